/** The queue AI tasks run on (give it a concurrency in `QueueModule.forRoot({ queues: { ai } })`). */
export const AI_QUEUE = 'ai';

/** The job's name on that queue. */
export const AI_TASK_JOB = 'lattice.ai.task';

/** Tries of an AI task in all, the first included, and the first backoff (then doubled). */
export const AI_TASK_ATTEMPTS = 3;
export const AI_TASK_BACKOFF_MS = 1000;

/** Event names of a task's end on a broadcast channel. */
export const AI_TASK_COMPLETED = 'ai.task.completed';
export const AI_TASK_FAILED = 'ai.task.failed';

/** The options token of `AiQueueModule.forRoot()`. */
export const AI_QUEUE_OPTIONS = Symbol('lattice:ai:queue:options');

/** The live topic a task's updates go to with `live: true`: follow it in `subscriptions()`. */
export function aiTaskTopic(id: string): string {
  return `ai.task:${id}`;
}
