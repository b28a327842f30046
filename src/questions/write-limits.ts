import { LatticeConfig } from '@lattice/core';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@lattice/security';
import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
import { forumConfigShape } from '../forum.config';

export type WriteAction = 'question' | 'answer' | 'vote';

/**
 * Per-member limits on writes, counted in @lattice/security's rate-limit storage (Redis on
 * every node with REDIS_URL). HTTP routes have their own limits, but a live page's events come
 * over the socket, which those do not see; counting here covers both ways in.
 */
@Injectable()
export class WriteLimits {
  /** Writes a member may make a minute, whether over HTTP or a live page's socket (decision 0038). */
  private readonly perMinute: Record<WriteAction, number>;

  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    config: LatticeConfig<typeof forumConfigShape>,
  ) {
    this.perMinute = {
      question: config.get('WRITE_LIMIT_QUESTIONS_PER_MINUTE'),
      answer: config.get('WRITE_LIMIT_ANSWERS_PER_MINUTE'),
      vote: config.get('WRITE_LIMIT_VOTES_PER_MINUTE'),
    };
  }

  /** Counts one write; 429 with when to retry once the member is over the limit. */
  async count(action: WriteAction, userId: number): Promise<void> {
    const limit = this.perMinute[action];
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
