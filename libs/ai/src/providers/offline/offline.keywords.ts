import type { ParsedText } from './offline.nlp';

/** Parts of speech a keyword may be, and how much each weighs (topics are mostly nouns). */
const POS_WEIGHT: Record<string, number> = { PROPN: 1.5, NOUN: 1.2, ADJ: 0.5, VERB: 0.3 };

function candidate(parsed: ParsedText, i: number): boolean {
  return (
    (parsed.type[i] === 'word' || parsed.type[i] === 'hashtag') &&
    !parsed.stop[i] &&
    POS_WEIGHT[parsed.pos[i]] !== undefined &&
    parsed.lemma[i].length > 2 &&
    /\p{L}/u.test(parsed.lemma[i])
  );
}

/**
 * Keywords of a text: its nouns, names and adjectives by lemma (stop words out), ranked by
 * sub-linear frequency × part of speech, with a bonus for appearing early (titles and opening
 * sentences name the topic). Two-word phrases (`connection pool`) that occur at least twice
 * rank as one keyword and take their words' place. Keywords are lower-cased; plural nouns
 * are put in the singular (`migrations` → `migration`).
 */
export function keywordsOf(parsed: ParsedText, limit: number): string[] {
  const words = parsed.lemma.length;
  const count = new Map<string, number>();
  const weight = new Map<string, number>();
  const firstAt = new Map<string, number>();
  // Names as written (`nestjs`); plural nouns in the singular (`migrations` → `migration`);
  // anything else as written, since a lemma can surprise (`data` → `datum`).
  const term = (i: number) =>
    parsed.pos[i] === 'NOUN' && parsed.normal[i].endsWith('s') ? parsed.lemma[i] : parsed.normal[i];
  for (let i = 0; i < words; i++) {
    if (!candidate(parsed, i)) continue;
    const key = term(i);
    count.set(key, (count.get(key) ?? 0) + 1);
    weight.set(key, Math.max(weight.get(key) ?? 0, POS_WEIGHT[parsed.pos[i]]));
    if (!firstAt.has(key)) firstAt.set(key, i);
  }
  const phrases = new Map<string, { count: number; parts: [string, string] }>();
  for (let i = 1; i < words; i++) {
    if (!candidate(parsed, i - 1) || !candidate(parsed, i)) continue;
    // A phrase ends in a noun or a name: `slow query`, `redis cache`, not `cache slow`.
    if (parsed.pos[i] !== 'NOUN' && parsed.pos[i] !== 'PROPN') continue;
    const parts: [string, string] = [term(i - 1), term(i)];
    const key = parts.join(' ');
    const phrase = phrases.get(key) ?? { count: 0, parts };
    phrase.count++;
    phrases.set(key, phrase);
  }
  const ranked = new Map<string, number>();
  for (const [key, n] of count) {
    const early = 1 + 0.5 * (1 - firstAt.get(key)! / Math.max(1, words));
    ranked.set(key, weight.get(key)! * (1 + Math.log(n)) * early);
  }
  for (const [key, phrase] of phrases) {
    if (phrase.count < 2) continue;
    const [a, b] = phrase.parts;
    ranked.set(key, Math.max(ranked.get(a) ?? 0, ranked.get(b) ?? 0) * 1.1);
    ranked.delete(a);
    ranked.delete(b);
  }
  return [...ranked.entries()]
    .sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))
    .slice(0, Math.max(0, limit))
    .map(([key]) => key);
}
