import { MODERATION_LISTS } from './offline.moderation-lists';

/** The categories the offline moderation scores, each in [0, 1]. */
export type OfflineModerationCategory = 'insult' | 'threat' | 'profanity' | 'spam' | 'shouting';

/** A category at or above this flags the text (shouting never does on its own). */
export const FLAG_AT = 0.5;

/** Extra words per category, added to the built-in lists. */
export type ModerationWords = Partial<Record<'insult' | 'threat' | 'profanity' | 'spam', string[]>>;

function escape(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** One regex per list: whole words or phrases, counted with `g`. */
function compile(words: string[]): RegExp {
  const alternatives = [...words].sort((a, b) => b.length - a.length).map(escape);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

/** Undoes the usual disguises: `1d10t` → `idiot`, `stuuupid` → `stupid`, `s.t.u.p.i.d`. */
function unmask(text: string): string {
  return text
    .toLowerCase()
    .replace(
      /[0-9@$]/g,
      (c) =>
        ({ '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' })[c] ?? c,
    )
    .replace(/(\p{L})\1{2,}/gu, '$1')
    .replace(/\b(?:\p{L}[.*_-]){2,}\p{L}\b/gu, (spaced) => spaced.replace(/[.*_-]/g, ''));
}

function count(pattern: RegExp, text: string): number {
  return text.match(pattern)?.length ?? 0;
}

export interface CompiledModeration {
  insult: RegExp;
  threat: RegExp;
  profanity: RegExp;
  mild: RegExp;
  spam: RegExp;
}

/** The lists as regular expressions, built once per provider. */
export function compileModeration(extra: ModerationWords = {}): CompiledModeration {
  return {
    insult: compile([...MODERATION_LISTS.insult, ...(extra.insult ?? [])]),
    threat: compile([...MODERATION_LISTS.threat, ...(extra.threat ?? [])]),
    profanity: compile([...MODERATION_LISTS.profanity, ...(extra.profanity ?? [])]),
    mild: compile(MODERATION_LISTS.mildProfanity),
    spam: compile([...MODERATION_LISTS.spam, ...(extra.spam ?? [])]),
  };
}

const LINK = /\b(?:https?:\/\/|www\.)\S+/gi;
const EMAIL = /\b[\w.+-]+@[\w-]+\.[\w.-]+\b/g;
const PHONE = /(?:\+?\d[\d\s().-]{8,}\d)/g;

/**
 * A heuristic moderation score per category, from word lists and a few signals:
 * - `insult`: insulting words, 0.35 each, 0.6 when the text also addresses someone ("you…");
 * - `threat`: threatening phrases, 0.8 each;
 * - `profanity`: strong words 0.6 each, mild ones 0.25;
 * - `spam`: links (0.2 each, 0.3 each from the third), emails and phone numbers (0.3), selling
 *   phrases (0.3 each), a word repeated many times (0.3);
 * - `shouting`: the share of capitals among the letters of a text of 20+ letters beyond half,
 *   stretched to [0, 1], plus runs of `!!!`.
 * `flagged` when insult, threat, profanity or spam reaches 0.5. It reads words, not intent:
 * quoted or discussed insults ("is 'idiot' rude?") score like insults, and politely worded
 * harassment scores nothing. English only.
 */
export function moderateText(
  text: string,
  compiled: CompiledModeration,
): { flagged: boolean; categories: Record<OfflineModerationCategory, number> } {
  const plain = unmask(text);
  const addressed = /\b(?:you|u|ur|your|you're|youre|yourself)\b/i.test(plain);
  const insults = count(compiled.insult, plain);
  const links = text.match(LINK)?.length ?? 0;
  const contacts = count(EMAIL, text) + count(PHONE, text);
  const words = plain.match(/\p{L}{3,}/gu) ?? [];
  const frequency = new Map<string, number>();
  for (const word of words) frequency.set(word, (frequency.get(word) ?? 0) + 1);
  const repeated = words.length >= 8 && Math.max(...frequency.values()) / words.length > 0.3;
  const letters = text.match(/\p{L}/gu) ?? [];
  const capitals = letters.filter((c) => c !== c.toLowerCase()).length;
  const capitalShare = letters.length >= 20 ? capitals / letters.length : 0;
  const bangs = count(/!{3,}/g, text);
  const categories = {
    insult: clamp(insults * (addressed ? 0.6 : 0.35)),
    threat: clamp(count(compiled.threat, plain) * 0.8),
    profanity: clamp(count(compiled.profanity, plain) * 0.6 + count(compiled.mild, plain) * 0.25),
    spam: clamp(
      Math.min(links, 2) * 0.2 +
        Math.max(0, links - 2) * 0.3 +
        contacts * 0.3 +
        count(compiled.spam, plain) * 0.3 +
        (repeated ? 0.3 : 0),
    ),
    shouting: clamp(Math.max(0, capitalShare - 0.5) * 2 + bangs * 0.2),
  };
  const flagged =
    categories.insult >= FLAG_AT ||
    categories.threat >= FLAG_AT ||
    categories.profanity >= FLAG_AT ||
    categories.spam >= FLAG_AT;
  return { flagged, categories };
}

function clamp(value: number): number {
  return Math.round(Math.max(0, Math.min(1, value)) * 1000) / 1000;
}
