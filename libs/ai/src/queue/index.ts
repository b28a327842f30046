// @lattice/ai/queue: long AI tasks on @lattice/queue (needs @lattice/queue; @lattice/live and
// @lattice/events when results go to live components or broadcast channels).
export * from './ai-queue.constants';
export * from './ai-queue.interfaces';
export * from './ai-queue.messages';
export * from './ai-task-results';
export * from './ai-task.delivery';
export * from './ai-task.job';
export * from './ai-queue';
export * from './ai-queue.module';
