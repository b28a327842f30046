import type { AiUsageCounts, AiUsageEntry, AiUsageKey } from './ai-usage.interfaces';
import { addHistogram, emptyHistogram } from './ai-usage.histogram';

const SEPARATOR = '\u001f'; // the ASCII unit separator: never in a model, provider or user name

export const KEY_FIELDS = ['day', 'provider', 'model', 'operation', 'outcome', 'user'] as const;

/** A key as one string (the dimensions joined), for maps and Redis fields. */
export function encodeKey(key: AiUsageKey): string {
  return KEY_FIELDS.map((field) => String(key[field]).replaceAll(SEPARATOR, ' ')).join(SEPARATOR);
}

export function decodeKey(encoded: string): AiUsageKey | undefined {
  const parts = encoded.split(SEPARATOR);
  if (parts.length !== KEY_FIELDS.length) return undefined;
  return Object.fromEntries(
    KEY_FIELDS.map((field, i) => [field, parts[i]]),
  ) as unknown as AiUsageKey;
}

export function emptyCounts(): AiUsageCounts {
  return {
    calls: 0,
    promptTokens: 0,
    completionTokens: 0,
    cost: 0,
    cacheHits: 0,
    latency: emptyHistogram(),
  };
}

export function addCounts(into: AiUsageCounts, from: AiUsageCounts): void {
  into.calls += from.calls;
  into.promptTokens += from.promptTokens;
  into.completionTokens += from.completionTokens;
  into.cost += from.cost;
  into.cacheHits += from.cacheHits;
  addHistogram(into.latency, from.latency);
}

/** Adds `entries` into a map keyed by encoded key. */
export function mergeEntries(
  into: Map<string, AiUsageEntry>,
  entries: Iterable<AiUsageEntry>,
): void {
  for (const entry of entries) {
    const id = encodeKey(entry.key);
    const known = into.get(id);
    if (known) addCounts(known.counts, entry.counts);
    else
      into.set(id, {
        key: { ...entry.key },
        counts: { ...entry.counts, latency: [...entry.counts.latency] },
      });
  }
}
