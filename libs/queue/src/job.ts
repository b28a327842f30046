import type { JobContext } from './queue.interfaces';

/**
 * A unit of background work. Subclasses are ordinary Nest providers (so they get their
 * dependencies injected) marked with `@QueueJob()`; the payload travels as JSON.
 *
 * @example
 * @QueueJob({ queue: 'mail', attempts: 3, backoff: { type: 'exponential', delay: 1000 } })
 * export class SendWelcomeMail extends Job<{ userId: number }> {
 *   constructor(private readonly mailer: Mailer) { super(); }
 *   async handle({ userId }: { userId: number }) { await this.mailer.welcome(userId); }
 * }
 */
export abstract class Job<Payload = unknown, Result = unknown> {
  /** Do the work. Throwing fails this attempt; it is retried while attempts remain. */
  abstract handle(payload: Payload, context: JobContext): Promise<Result> | Result;
}

/**
 * Implement on a job to hear once that it failed for good (last attempt used, or an
 * unrecoverable error): clean up, notify someone.
 */
export interface OnJobFailed<Payload = unknown> {
  failed(payload: Payload, error: Error, context: JobContext): Promise<void> | void;
}

export type PayloadOf<J> = J extends Job<infer P, unknown> ? P : never;
export type ResultOf<J> = J extends Job<unknown, infer R> ? R : never;

/** Throw this from `handle()` to fail the job at once, without the remaining attempts. */
export class UnrecoverableJobError extends Error {
  // The name is what both drivers (and BullMQ itself) look at.
  override readonly name = 'UnrecoverableError';
}

/** The error a try fails with when it runs past its `timeout`. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
  constructor(job: string, timeoutMs: number) {
    super(`Job ${job} ran longer than its timeout of ${timeoutMs} ms.`);
  }
}
