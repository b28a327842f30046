import { LatticeError, ServiceUnavailableError } from '@lattice/core';
import {
  Job,
  type JobContext,
  type OnJobFailed,
  QueueJob,
  UnrecoverableJobError,
} from '@lattice/queue';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { getAiToken } from '../ai.constants';
import { AiProviderError } from '../ai.errors';
import type { AIResponse, AiStream, AiTextRequest } from '../ai.interfaces';
import {
  AI_QUEUE,
  AI_QUEUE_OPTIONS,
  AI_TASK_ATTEMPTS,
  AI_TASK_BACKOFF_MS,
  AI_TASK_COMPLETED,
  AI_TASK_FAILED,
  AI_TASK_JOB,
} from './ai-queue.constants';
import type {
  AiQueueModuleOptions,
  AiQueueOperation,
  AiTaskPayload,
  AiTaskResult,
  AiTaskUpdate,
} from './ai-queue.interfaces';
import { AiQueueMessages } from './ai-queue.messages';
import { AiTaskDelivery } from './ai-task.delivery';
import { AiTaskResults } from './ai-task-results';

/** The part of the AI manager a task calls: its operation, or `stream` to report progress. */
export type AiTaskManager = {
  [O in AiQueueOperation]?: (request: never) => Promise<AIResponse>;
} & { stream?(request: AiTextRequest): AiStream };

/**
 * Runs one AI task of `AiQueue.enqueue()`: the manager's call, its result stored before the job
 * completes, then delivered. A try that finds a stored result delivers it and calls nothing, so
 * a task is never run twice with success. Provider failures (5xx, timeouts, rate limits: the
 * manager's own retries and fallbacks spent) are tried again with backoff; a refusal (budget,
 * invalid request) fails at once.
 */
@Injectable()
@QueueJob({
  queue: AI_QUEUE,
  name: AI_TASK_JOB,
  attempts: AI_TASK_ATTEMPTS,
  backoff: { type: 'exponential', delay: AI_TASK_BACKOFF_MS, jitter: 0.5 },
})
export class AiTaskJob
  extends Job<AiTaskPayload, AiTaskResult>
  implements OnJobFailed<AiTaskPayload>
{
  constructor(
    private readonly results: AiTaskResults,
    private readonly delivery: AiTaskDelivery,
    @Inject(AI_QUEUE_OPTIONS) private readonly options: Required<AiQueueModuleOptions>,
    @Optional() @Inject(getAiToken()) private readonly ai?: AiTaskManager,
  ) {
    super();
  }

  async handle(payload: AiTaskPayload, context: JobContext): Promise<AiTaskResult> {
    const stored = await this.results.get(context.id);
    if (stored) {
      // Done before (a crash between storing and completing, or a repeated key): deliver again.
      await this.deliver(payload, { id: context.id, status: 'done', result: stored });
      return stored;
    }
    await this.update(payload, { id: context.id, status: 'running', attempt: context.attempt });
    let response: AIResponse;
    try {
      response = await this.call(payload, context);
    } catch (error) {
      if (!retryable(error)) throw new UnrecoverableJobError(messageOf(error), { cause: error });
      if (context.attempt < AI_TASK_ATTEMPTS)
        await this.update(payload, {
          id: context.id,
          status: 'retrying',
          attempt: context.attempt,
          error: messageOf(error),
        }).catch(() => undefined);
      throw error;
    }
    const result: AiTaskResult = {
      id: context.id,
      operation: payload.operation,
      response,
      completedAt: Date.now(),
    };
    await this.results.set(result, this.options.resultTtlMs);
    await this.deliver(payload, { id: context.id, status: 'done', result });
    return result;
  }

  async failed(payload: AiTaskPayload, error: Error, context: JobContext): Promise<void> {
    const update: AiTaskUpdate = { id: context.id, status: 'failed', error: messageOf(error) };
    await this.deliver(payload, update);
  }

  private async call(payload: AiTaskPayload, context: JobContext): Promise<AIResponse> {
    const ai = this.ai;
    if (!ai) throw new UnrecoverableJobError(AiQueueMessages.managerMissing().message);
    const request = { ...payload.request, signal: context.signal };
    if (payload.operation === 'generate' && ai.stream) {
      // Streamed so that the task can say how far it is; the result is the same response.
      const stream = ai.stream(request as AiTextRequest);
      let chars = 0;
      let reported = 0;
      for await (const chunk of stream) {
        chars += chunk.text.length;
        if (Date.now() - reported < this.options.progressEveryMs) continue;
        reported = Date.now();
        await context.progress({ chars });
        await this.update(payload, {
          id: context.id,
          status: 'running',
          attempt: context.attempt,
          progress: { chars },
        });
      }
      return stream.response;
    }
    const method = ai[payload.operation] as ((request: unknown) => Promise<AIResponse>) | undefined;
    if (!method) throw new UnrecoverableJobError(`The AI manager has no ${payload.operation}().`);
    await context.progress({ chars: 0 });
    return method.call(ai, request);
  }

  /** Progress and retries go to live components only (a channel keeps the end, in its history). */
  private async update(payload: AiTaskPayload, update: AiTaskUpdate): Promise<void> {
    if (payload.topic !== undefined) await this.delivery.live(payload.topic, update);
  }

  private async deliver(payload: AiTaskPayload, update: AiTaskUpdate): Promise<void> {
    await this.update(payload, update);
    if (payload.channel !== undefined)
      await this.delivery.channel(
        payload.channel,
        update.status === 'done' ? AI_TASK_COMPLETED : AI_TASK_FAILED,
        update,
      );
  }
}

/**
 * Provider failures and unavailable dependencies are worth another try later; the library's
 * deliberate refusals (a budget spent, an invalid request, an unknown model) are not.
 */
function retryable(error: unknown): boolean {
  // Every provider of the chain failed (5xx, timeouts, rate limits): the manager says 503.
  if (error instanceof ServiceUnavailableError) return true;
  if (error instanceof AiProviderError) return error.retryable;
  return !(error instanceof LatticeError);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
