import { dot, embedText } from './offline.embeddings';

/**
 * Words that describe a label beyond its name, for the labels of one app: `{ billing: ['invoice',
 * 'refund', 'payment'] }`. Each string is embedded and the label scores its best match.
 */
export type LabelExamples = Record<string, string[]>;

/**
 * Classification into the given labels by similarity: the text's offline embedding against each
 * label's (its name; in a label written `name: description`, the description too; and the
 * examples given for it), the label's score being its best match, clamped to [0, 1]. So a label
 * wins when the text shares words with it (lemmas and spelling: `billing` meets `bill`), never
 * by meaning: `refund` does not reach `billing` unless an example says so. Ties go to the
 * earlier label; a text sharing nothing with any label gets the first label with all scores 0,
 * which callers should read as "unknown".
 */
export function classifyText(
  text: string,
  labels: string[],
  examples: LabelExamples = {},
): { label: string; scores: Record<string, number> } {
  const query = embedText(text);
  const scores: Record<string, number> = {};
  let best = labels[0];
  for (const label of labels) {
    const [name, description] = splitLabel(label);
    const texts = [
      name,
      ...(description ? [`${name} ${description}`] : []),
      ...(examples[label] ?? examples[name] ?? []),
    ];
    let score = 0;
    for (const candidate of texts) score = Math.max(score, dot(query, embedText(candidate)));
    scores[label] = Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000;
    if (scores[label] > scores[best]) best = label;
  }
  return { label: best, scores };
}

/** `'bug: something is broken'` → `['bug', 'something is broken']`. */
function splitLabel(label: string): [string, string | undefined] {
  const at = label.indexOf(':');
  if (at <= 0) return [label, undefined];
  return [label.slice(0, at).trim(), label.slice(at + 1).trim() || undefined];
}
