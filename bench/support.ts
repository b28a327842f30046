import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import type Redis from 'ioredis';

const FILE = join(__dirname, '..', 'docs', 'benchmarks.md');

/** Replaces (or appends) one benchmark's section of docs/benchmarks.md, between its markers. */
export function writeSection(id: string, markdown: string): void {
  const begin = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : '# Benchmarks\n';
  const section = `${begin}\n${markdown.trim()}\n${end}`;
  const at = current.indexOf(begin);
  const next =
    at === -1
      ? `${current.trimEnd()}\n\n${section}\n`
      : current.slice(0, at) + section + current.slice(current.indexOf(end) + end.length);
  writeFileSync(FILE, next);
}

/** One line describing where the figures come from. */
export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One contender of a comparison: a name and one call to time. */
export interface Side {
  name: string;
  run: () => Promise<unknown>;
}

export interface Result {
  name: string;
  perSecond: number;
  p50: number;
  p99: number;
  samples: number;
}

export interface InterleaveOptions {
  /** Timed work per side, in ms. */
  budgetMs: number;
  /** Untimed calls per side first, in ms (at least two calls). */
  warmupMs: number;
  /** How long one side runs before the next takes over, in ms. */
  sliceMs: number;
  /** Calls per side at least, however slow (default 1). */
  minSamples?: number;
}

/**
 * Warms each side up, then alternates them (A, B, A, B…) in slices until each has `budgetMs` of
 * timed calls and `minSamples` calls, so drift on a busy machine weighs on every side alike.
 * One call in flight; every call is timed; ops/s = calls / time spent in calls.
 */
export async function interleave(sides: Side[], options: InterleaveOptions): Promise<Result[]> {
  const minSamples = options.minSamples ?? 1;
  for (const side of sides) {
    const started = performance.now();
    for (let n = 0; n < 2 || performance.now() - started < options.warmupMs; n++) await side.run();
  }
  const latencies = sides.map(() => [] as number[]);
  const spent = sides.map(() => 0);
  const done = (s: number) => spent[s] >= options.budgetMs && latencies[s].length >= minSamples;
  while (sides.some((_, s) => !done(s))) {
    for (let s = 0; s < sides.length; s++) {
      if (done(s)) continue;
      const sliceStart = performance.now();
      do {
        const t0 = performance.now();
        await sides[s].run();
        const ms = performance.now() - t0;
        latencies[s].push(ms);
        spent[s] += ms;
      } while (performance.now() - sliceStart < options.sliceMs && !done(s));
    }
  }
  return sides.map((side, s) => ({
    name: side.name,
    perSecond: latencies[s].length / (spent[s] / 1000),
    p50: percentile(latencies[s], 50),
    p99: percentile(latencies[s], 99),
    samples: latencies[s].length,
  }));
}

/** Deletes every Redis key under `prefix` (what a benchmark wrote); returns how many there were. */
export async function deleteKeys(admin: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  const stream = admin.scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream as AsyncIterable<string[]>) {
    if (keys.length) deleted += await admin.unlink(...keys);
  }
  return deleted;
}
