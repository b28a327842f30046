import { parseText, type ParsedText } from './offline.nlp';

/** Dimensions of the offline embeddings. */
export const OFFLINE_EMBEDDING_DIMENSIONS = 512;

/** How much each kind of feature weighs against a content word's lemma (1). */
const WEIGHT = {
  bigram: 0.3,
  /** Spread over a word's character trigrams: catches typos, compounds and unknown words. */
  trigrams: 0.8,
};

/** Content words by part of speech: nouns and names carry the topic, adverbs little of it. */
const POS_WEIGHT: Record<string, number> = {
  NOUN: 1,
  PROPN: 1.2,
  VERB: 0.7,
  ADJ: 0.7,
  NUM: 0.5,
  ADV: 0.4,
};

/** 32-bit FNV-1a: fast, stable across runs and platforms (embeddings must be deterministic). */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * Adds `weight` to the feature's bucket; the sign comes from another bit of the hash, so that
 * colliding features cancel out on average instead of piling up (the hashing trick).
 */
function addFeature(vector: Float32Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  const bucket = hash % vector.length;
  vector[bucket] += hash & 0x80000000 ? -weight : weight;
}

function isWord(type: string): boolean {
  return type === 'word' || type === 'number' || type === 'hashtag';
}

/**
 * The words a text is about: content words (not stop words) with their weight; when a text has
 * none ("How do I?"), its words at a low weight, so that it still gets a vector.
 */
function contentWords(parsed: ParsedText): { lemma: string; normal: string; weight: number }[] {
  const words: { lemma: string; normal: string; weight: number }[] = [];
  for (let i = 0; i < parsed.lemma.length; i++) {
    if (!isWord(parsed.type[i]) || parsed.stop[i]) continue;
    const weight = POS_WEIGHT[parsed.pos[i]] ?? 0.5;
    words.push({ lemma: parsed.lemma[i], normal: parsed.normal[i], weight });
  }
  if (words.length) return words;
  for (let i = 0; i < parsed.lemma.length; i++) {
    if (isWord(parsed.type[i])) {
      words.push({ lemma: parsed.lemma[i], normal: parsed.normal[i], weight: 0.3 });
    }
  }
  return words;
}

/**
 * A feature-hashed bag of lemmas, lemma bigrams and character trigrams, L2-normalized: cosine
 * similarity then measures shared vocabulary (`caching` meets `cache`, `Postgres` meets
 * `PostgreSQL` through trigrams), not meaning (`car` does not meet `automobile`).
 */
export function embedParsed(
  parsed: ParsedText,
  dimensions = OFFLINE_EMBEDDING_DIMENSIONS,
): Float32Array {
  const vector = new Float32Array(dimensions);
  const words = contentWords(parsed);
  // Repeated words count sub-linearly: a text about Redis that says "Redis" five times is not
  // five times more about it.
  const counts = new Map<string, number>();
  for (const word of words) counts.set(word.lemma, (counts.get(word.lemma) ?? 0) + 1);
  const seen = new Set<string>();
  for (const word of words) {
    if (seen.has(word.lemma)) continue;
    seen.add(word.lemma);
    const tf = 1 + Math.log(counts.get(word.lemma)!);
    addFeature(vector, `w:${word.lemma}`, word.weight * tf);
    const padded = ` ${word.normal} `;
    const grams = padded.length - 2;
    const each = (WEIGHT.trigrams * word.weight * tf) / Math.sqrt(grams);
    for (let i = 0; i < grams; i++) addFeature(vector, `c:${padded.slice(i, i + 3)}`, each);
  }
  for (let i = 1; i < words.length; i++) {
    const weight = WEIGHT.bigram * Math.min(words[i - 1].weight, words[i].weight);
    addFeature(vector, `b:${words[i - 1].lemma} ${words[i].lemma}`, weight);
  }
  return normalize(vector);
}

/** Scales `vector` to length 1 in place (a zero vector stays zero). */
export function normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
  if (sum === 0) return vector;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < vector.length; i++) vector[i] *= scale;
  return vector;
}

/** The offline embedding of one text (see `embedParsed`). */
export function embedText(text: string, dimensions = OFFLINE_EMBEDDING_DIMENSIONS): Float32Array {
  return embedParsed(parseText(text), dimensions);
}

/** Cosine similarity of two L2-normalized vectors: their dot product. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}
