import { createHash, randomUUID } from 'node:crypto';
import { type JobInfo, QueueManager } from '@lattice/queue';
import { Injectable } from '@nestjs/common';
import type { AIResponse } from '../ai.interfaces';
import { AI_QUEUE, aiTaskTopic } from './ai-queue.constants';
import type {
  AiEnqueueOptions,
  AiQueuedRequest,
  AiQueuedTask,
  AiQueueOperation,
  AiTaskPayload,
  AiTaskResult,
} from './ai-queue.interfaces';
import { AiQueueMessages } from './ai-queue.messages';
import { AiTaskDelivery } from './ai-task.delivery';
import { AiTaskJob } from './ai-task.job';
import { AiTaskResults } from './ai-task-results';

const OPERATIONS: readonly AiQueueOperation[] = [
  'generate',
  'embed',
  'classify',
  'moderate',
  'summarize',
  'sentiment',
  'keywords',
  'language',
];

/**
 * Long AI tasks on @lattice/queue (the `ai` queue, on BullMQ with Redis or in process): the
 * call runs on a worker, reports its progress, and its result reaches live components or a
 * broadcast channel when done. Tried again on provider failures, never run twice with success.
 *
 * @example
 * const { id, topic } = await this.aiQueue.enqueue(
 *   { prompt: `Summarize: ${answer.body}`, user: String(userId) },
 *   { key: `summary:answer:${answer.id}`, live: true },
 * );
 * // a component follows `topic` in subscriptions() and gets AiTaskUpdate values in onPublish()
 */
@Injectable()
export class AiQueue {
  constructor(
    private readonly queues: QueueManager,
    private readonly results: AiTaskResults,
    private readonly delivery: AiTaskDelivery,
  ) {}

  /**
   * Queues `request` for the manager's `operation` (default `generate`). With a `key`, a task
   * already queued or done under it is not queued again (`duplicate: true`).
   */
  async enqueue<O extends AiQueueOperation = 'generate'>(
    request: AiQueuedRequest<O>,
    options: AiEnqueueOptions<O> = {},
  ): Promise<AiQueuedTask> {
    const operation = options.operation ?? 'generate';
    if (!OPERATIONS.includes(operation))
      throw AiQueueMessages.operationUnknown(operation, OPERATIONS);
    if (
      options.key !== undefined &&
      (typeof options.key !== 'string' || !options.key || options.key.length > 500)
    )
      throw AiQueueMessages.keyInvalid(options.key);
    const id = taskId(options.key);
    const topic = options.live === true ? aiTaskTopic(id) : options.live || undefined;
    this.delivery.check({ topic, channel: options.channel });
    if (await this.results.get(id)) return { id, duplicate: true, ...(topic && { topic }) };
    const { signal: _signal, ...json } = request as AiQueuedRequest & { signal?: unknown };
    const payload: AiTaskPayload = {
      operation,
      request: json,
      ...(topic !== undefined && { topic }),
      ...(options.channel !== undefined && { channel: options.channel }),
    };
    const dispatch = this.queues.dispatch(AiTaskJob, payload).id(id);
    if (options.delay !== undefined) dispatch.delay(options.delay);
    const { duplicate } = await dispatch;
    return { id, duplicate, ...(topic && { topic }) };
  }

  /** The task's stored result, once done (kept `resultTtlMs`). */
  async result<R extends AIResponse = AIResponse>(
    id: string,
  ): Promise<AiTaskResult<R> | undefined> {
    return (await this.results.get(id)) as AiTaskResult<R> | undefined;
  }

  /** The task's job as the queue has it (state, attempts, progress), while the queue keeps it. */
  job(id: string): Promise<JobInfo | undefined> {
    return this.queues.job(AI_QUEUE, id);
  }
}

/** A key's task id, the same on every node (a job id: letters, digits, `.`, `-`, `_`). */
function taskId(key: string | undefined): string {
  if (key === undefined) return `ai-${randomUUID()}`;
  return `ai-${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}
