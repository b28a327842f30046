import { dot, embedParsed } from './offline.embeddings';
import type { ParsedText } from './offline.nlp';

/** PageRank's damping, and how many rounds at most (it converges in far fewer on short texts). */
const DAMPING = 0.85;
const ROUNDS = 50;

/** Slices `parsed` to one sentence's tokens, so that it can be embedded without a second parse. */
function sentenceTokens(parsed: ParsedText, start: number, length: number): ParsedText {
  const end = start + length;
  return {
    normal: parsed.normal.slice(start, end),
    lemma: parsed.lemma.slice(start, end),
    pos: parsed.pos.slice(start, end),
    type: parsed.type.slice(start, end),
    stop: parsed.stop.slice(start, end),
    sentences: [],
    sentiment: 0,
  };
}

/**
 * An extractive summary: the `count` most central sentences, in their original order.
 * Centrality is TextRank: PageRank over the graph of sentences weighted by the cosine similarity
 * of their offline embeddings, with the random jump biased to the opening sentences (which tend
 * to state the point). Sentences of fewer than four words are not picked unless nothing else is
 * left. Nothing is rewritten: the summary is the author's own sentences.
 */
export function summarizeParsed(parsed: ParsedText, count: number): string {
  const sentences = parsed.sentences.filter((s) => s.text.trim().length > 0);
  const n = sentences.length;
  if (count <= 0 || n === 0) return '';
  if (n <= count) return sentences.map((s) => s.text.trim()).join(' ');
  const vectors = sentences.map((s) => embedParsed(sentenceTokens(parsed, s.start, s.length)));
  const weights = sentences.map((_, i) =>
    vectors.map((v, j) => (i === j ? 0 : Math.max(0, dot(vectors[i], v)))),
  );
  const outSum = weights.map((row) => row.reduce((a, b) => a + b, 0));
  const prior = sentences.map((_, i) => 1 / (i + 2));
  const priorSum = prior.reduce((a, b) => a + b, 0);
  let rank = prior.map((p) => p / priorSum);
  for (let round = 0; round < ROUNDS; round++) {
    const next = prior.map((p) => ((1 - DAMPING) * p) / priorSum);
    for (let j = 0; j < n; j++) {
      // A sentence linked to nothing hands its rank back through the prior.
      if (outSum[j] === 0) {
        for (let i = 0; i < n; i++) next[i] += (DAMPING * rank[j] * prior[i]) / priorSum;
        continue;
      }
      for (let i = 0; i < n; i++) next[i] += (DAMPING * rank[j] * weights[j][i]) / outSum[j];
    }
    const change = next.reduce((sum, value, i) => sum + Math.abs(value - rank[i]), 0);
    rank = next;
    if (change < 1e-6) break;
  }
  const words = sentences.map((s) => s.text.split(/\s+/).filter(Boolean).length);
  const order = sentences
    .map((_, i) => i)
    .sort((a, b) => Number(words[b] >= 4) - Number(words[a] >= 4) || rank[b] - rank[a] || a - b);
  return order
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => sentences[i].text.trim())
    .join(' ');
}
