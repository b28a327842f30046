import { LatticeError } from '@lattice/core';

/** Every error the offline provider raises on purpose: the thing, the cause, the fix. */
export const OfflineMessages = {
  labelsMissing: (provider: string) =>
    new LatticeError(
      'LATTICE_AI_OFFLINE_LABELS_MISSING',
      `The offline provider "${provider}" was asked to classify a text into no labels.`,
      "Pass the labels to choose from, e.g. ai.classify({ text, labels: ['bug', 'question', 'feature'] }).",
    ),
  sentencesInvalid: (provider: string, sentences: unknown) =>
    new LatticeError(
      'LATTICE_AI_OFFLINE_SENTENCES_INVALID',
      `The offline provider "${provider}" cannot summarize into ${String(sentences)} sentences.`,
      'Ask for a whole number of sentences, 1 or more (default 1).',
    ),
};
