export * from './offline.provider';
export { OFFLINE_EMBEDDING_DIMENSIONS } from './offline.embeddings';
export type { LabelExamples } from './offline.classify';
export type { ModerationWords, OfflineModerationCategory } from './offline.moderation';
