import type { ParsedText } from './offline.nlp';

/** Scores closer to 0 than this are neutral: one mildly coloured word does not make a mood. */
export const NEUTRAL_BAND = 0.1;

/**
 * wink-nlp's sentiment (a lexicon of scored words and emojis, with negation and intensifiers
 * handled, averaged over the text) as a score in [-1, 1] and a label with a neutral band.
 */
export function sentimentOf(parsed: ParsedText): {
  score: number;
  label: 'negative' | 'neutral' | 'positive';
} {
  const raw = Number.isFinite(parsed.sentiment) ? parsed.sentiment : 0;
  const score = Math.max(-1, Math.min(1, Math.round(raw * 1000) / 1000));
  const label =
    score >= NEUTRAL_BAND ? 'positive' : score <= -NEUTRAL_BAND ? 'negative' : 'neutral';
  return { score, label };
}
