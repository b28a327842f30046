// @lattice/ai/live: AI answers streamed into live components (needs @lattice/live).
export * from './ai-live.constants';
export * from './ai-live.interfaces';
export * from './ai-live.messages';
export * from './ai-live-text';
export * from './stream-into.decorator';
export * from './live-ai-streams';
export * from './live-ai-streams.binding';
export * from './ai-live.module';
