import { LANGUAGE_SAMPLES } from './offline.language-profiles';

/** Below this many letters a text says too little about its language: `und`. */
export const MIN_LETTERS = 10;

interface Profile {
  language: string;
  logProb: Map<string, number>;
  unseen: number;
  words: Set<string>;
}

/** Letters only, lower-cased, as words (accents kept: they tell languages apart). */
function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/\p{L}+(?:['’]\p{L}+)?/gu) ?? [];
}

function trigrams(word: string, into: (gram: string) => void): void {
  const padded = ` ${word} `;
  for (let i = 0; i + 3 <= padded.length; i++) into(padded.slice(i, i + 3));
}

let profiles: Profile[] | undefined;

/** Trigram frequencies of each language's sample, as smoothed log probabilities. */
function buildProfiles(): Profile[] {
  const counts = new Map<string, Map<string, number>>();
  const vocabulary = new Set<string>();
  for (const [language, sample] of Object.entries(LANGUAGE_SAMPLES)) {
    const grams = new Map<string, number>();
    // The frequent words count twice: they are what short texts are made of.
    for (const word of [
      ...wordsOf(sample.words),
      ...wordsOf(sample.words),
      ...wordsOf(sample.text),
    ]) {
      trigrams(word, (gram) => {
        grams.set(gram, (grams.get(gram) ?? 0) + 1);
        vocabulary.add(gram);
      });
    }
    counts.set(language, grams);
  }
  return [...counts.entries()].map(([language, grams]) => {
    const total = [...grams.values()].reduce((a, b) => a + b, 0) + vocabulary.size;
    const logProb = new Map<string, number>();
    for (const [gram, count] of grams) logProb.set(gram, Math.log((count + 1) / total));
    return {
      language,
      logProb,
      unseen: Math.log(1 / total),
      words: new Set(wordsOf(LANGUAGE_SAMPLES[language].words)),
    };
  });
}

/** Scripts that name their language (or nearly): no trigrams needed. */
const SCRIPTS: [RegExp, string][] = [
  [/[\u3040-\u30ff]/u, 'ja'],
  [/\p{Script=Hangul}/u, 'ko'],
  [/\p{Script=Han}/u, 'zh'],
  [/\p{Script=Greek}/u, 'el'],
  [/\p{Script=Hebrew}/u, 'he'],
  [/\p{Script=Thai}/u, 'th'],
  [/\p{Script=Cyrillic}/u, 'ru'],
  [/\p{Script=Arabic}/u, 'ar'],
];

/**
 * The language of `text` (ISO 639-1) among en, fr, de, es, it, pt and nl: a naive Bayes over
 * character trigrams learnt from each language's sample, plus a bonus per frequent word of the
 * language. Texts mostly in another script get that script's main language at a lower
 * confidence (Cyrillic → ru, Arabic → ar). Fewer than 10 letters, or no Latin letters: `und`.
 * `confidence` is the winner's share of the (softened) probabilities, in [0, 1].
 */
export function detectLanguage(text: string): { language: string; confidence: number } {
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return { language: 'und', confidence: 0 };
  const latin = text.match(/\p{Script=Latin}/gu)?.length ?? 0;
  if (latin < letters / 2) {
    for (const [script, language] of SCRIPTS) {
      if (script.test(text)) return { language, confidence: 0.5 };
    }
    return { language: 'und', confidence: 0 };
  }
  profiles ??= buildProfiles();
  const words = wordsOf(text);
  const scores = profiles.map((profile) => {
    let score = 0;
    let grams = 0;
    for (const word of words) {
      trigrams(word, (gram) => {
        score += profile.logProb.get(gram) ?? profile.unseen;
        grams++;
      });
      if (profile.words.has(word)) score += 2;
    }
    return { language: profile.language, perGram: score / Math.max(1, grams) };
  });
  // Per-trigram log likelihoods, sharpened: a softmax over raw sums would claim certainty on
  // any sentence, a softmax over averages never would.
  const sharpness = Math.min(20, 3 + words.length);
  const max = Math.max(...scores.map((s) => s.perGram));
  const weights = scores.map((s) => Math.exp((s.perGram - max) * sharpness * 2));
  const sum = weights.reduce((a, b) => a + b, 0);
  const best = scores.reduce((a, b) => (b.perGram > a.perGram ? b : a));
  return { language: best.language, confidence: Math.round((1 / sum) * 1000) / 1000 };
}
