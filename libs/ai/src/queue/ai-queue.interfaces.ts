import type {
  AIResponse,
  AiClassifyRequest,
  AiEmbedRequest,
  AiKeywordsRequest,
  AiSummarizeRequest,
  AiTextInputRequest,
  AiTextRequest,
} from '../ai.interfaces';

/** What a queued task may run: the manager's operations whose request travels as JSON. */
export interface AiQueueRequests {
  generate: AiTextRequest;
  embed: AiEmbedRequest;
  classify: AiClassifyRequest;
  moderate: AiTextInputRequest;
  summarize: AiSummarizeRequest;
  sentiment: AiTextInputRequest;
  keywords: AiKeywordsRequest;
  language: AiTextInputRequest;
}
export type AiQueueOperation = keyof AiQueueRequests;

/** A request as it is queued: JSON only (no signal; the job's own signal aborts the call). */
export type AiQueuedRequest<O extends AiQueueOperation = AiQueueOperation> =
  O extends AiQueueOperation ? Omit<AiQueueRequests[O], 'signal'> : never;

/** Options of `AiQueue.enqueue()`. */
export interface AiEnqueueOptions<O extends AiQueueOperation = 'generate'> {
  /** The manager's operation (default `generate`). */
  operation?: O;
  /**
   * The task's idempotency key (`summary:answer:42`): the same key is one task, run once; a
   * later enqueue with it gets the stored result instead of a new call. Default: a new task.
   */
  key?: string;
  /**
   * Live components hear the task's progress and result: `true` publishes to
   * `aiTaskTopic(id)`, a string to that topic (`LiveUpdates`, every node). Needs @lattice/live.
   */
  live?: boolean | string;
  /**
   * A @lattice/events broadcast channel that gets `ai.task.completed` (or `ai.task.failed`) with
   * the result. Needs @lattice/events and EventsModule where the task runs.
   */
  channel?: string;
  /** Run no sooner than this many ms from now. */
  delay?: number;
}

/** What `enqueue()` returns. */
export interface AiQueuedTask {
  /** The task's id (the job's id on the `ai` queue). */
  id: string;
  /** The key named a task that was already queued or done: nothing new was queued. */
  duplicate: boolean;
  /** The live topic the updates go to, when `live` was given. */
  topic?: string;
}

/** The payload of the task's job. */
export interface AiTaskPayload {
  operation: AiQueueOperation;
  request: AiQueuedRequest;
  topic?: string;
  channel?: string;
}

/** A finished task, as stored before its job completes. */
export interface AiTaskResult<R extends AIResponse = AIResponse> {
  id: string;
  operation: AiQueueOperation;
  response: R;
  completedAt: number;
}

/** What a live topic hears about a task (`onPublish(topic, update)`). */
export type AiTaskUpdate =
  | { id: string; status: 'running'; attempt: number; progress?: AiTaskProgress }
  | { id: string; status: 'retrying'; attempt: number; error: string }
  | { id: string; status: 'done'; result: AiTaskResult }
  | { id: string; status: 'failed'; error: string };

/** A generate task's progress: the characters received so far of the streamed answer. */
export interface AiTaskProgress {
  chars: number;
}

/** Options of `AiQueueModule.forRoot()`. */
export interface AiQueueModuleOptions {
  /** How long a result is kept, for late readers and repeated keys, in ms (default one day). */
  resultTtlMs?: number;
  /** How often, at most, a generate task reports progress, in ms (default 250). */
  progressEveryMs?: number;
}
