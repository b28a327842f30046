import { Injectable } from '@nestjs/common';
import { ConflictError, ServiceUnavailableError } from './service-unavailable.error';

/** What a request failure means for the client, when it is not the client's mistake nor a bug. */
export type DependencyFailure = ServiceUnavailableError | ConflictError;

/** Recognises one library's errors (a driver's codes, a client's messages); `undefined` when it does not know the error. */
export type DependencyErrorClassifier = (error: unknown) => DependencyFailure | undefined;

/** ioredis rejects a command with these when Redis does not answer or the connection is down. */
const REDIS_UNREACHABLE = [
  { match: /^Command timed out$/, reason: 'no answer in time' },
  { match: /^Stream isn't writeable/, reason: 'not connected' },
  { match: /^Connection is closed\.$/, reason: 'connection closed' },
  { match: /^Reached the max retries per request limit/, reason: 'not connected' },
];

/** Redis failures as ioredis reports them (the connections of `RedisConnections` already throw `ServiceUnavailableError`). */
export const classifyRedisError: DependencyErrorClassifier = (error) => {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string') return undefined;
  const known = REDIS_UNREACHABLE.find(({ match }) => match.test(message));
  return known
    ? new ServiceUnavailableError('Redis', known.reason, 1, { cause: error })
    : undefined;
};

/**
 * The registry of error classifiers the exception filter consults: core knows Redis; the
 * database library adds its drivers' errors. A library adds its own with `add()` from a
 * provider's constructor.
 */
@Injectable()
export class DependencyErrors {
  private readonly classifiers: DependencyErrorClassifier[] = [classifyRedisError];

  add(classifier: DependencyErrorClassifier): void {
    if (!this.classifiers.includes(classifier)) this.classifiers.push(classifier);
  }

  /** The failure `error` stands for (looking through `cause` chains), or `undefined` for any other error. */
  classify(error: unknown): DependencyFailure | undefined {
    for (let current = error, depth = 0; current && depth < 5; depth++) {
      if (current instanceof ServiceUnavailableError || current instanceof ConflictError)
        return current;
      for (const classifier of this.classifiers) {
        const failure = classifier(current);
        if (failure) return failure;
      }
      current = (current as { cause?: unknown }).cause;
    }
    return undefined;
  }
}
