import { InjectThrottlerStorage, type ThrottlerStorage } from '@lattice/security';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';

/** Writes a member may make a minute, whether over HTTP or a live page's socket. */
const PER_MINUTE = { question: 5, answer: 10, vote: 60 } as const;
export type WriteAction = keyof typeof PER_MINUTE;

/**
 * Per-member limits on writes, counted in @lattice/security's rate-limit storage (Redis on
 * every node with REDIS_URL). HTTP routes have their own limits, but a live page's events come
 * over the socket, which those do not see; counting here covers both ways in.
 */
@Injectable()
export class WriteLimits {
  constructor(@InjectThrottlerStorage() private readonly storage: ThrottlerStorage) {}

  /** Counts one write; 429 with when to retry once the member is over the limit. */
  async count(action: WriteAction, userId: number): Promise<void> {
    const limit = PER_MINUTE[action];
    const record = await this.storage.increment(
      `${action}:${userId}`,
      60_000,
      limit,
      60_000,
      'forum-writes',
    );
    if (record.isBlocked)
      throw new HttpException(
        {
          statusCode: HttpStatus.TOO_MANY_REQUESTS,
          message: `Too many ${action}s: at most ${limit} a minute. Try again in ${record.timeToBlockExpire} s.`,
        },
        HttpStatus.TOO_MANY_REQUESTS,
      );
  }
}
