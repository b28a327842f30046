import { RedisConnections } from '@lattice/core';
import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { LoginLockedError } from '../errors/login-locked.error';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { ResolvedSecurityOptions } from '../security.options';

interface Counter {
  count: number;
  resetAt: number;
}

/**
 * Counts failed logins per account and per client address in a fixed window (in this process,
 * or in Redis for every node). At the limit, logins for that account or from that address are
 * refused with 429 until the window ends, before the password is checked. When the Redis
 * counter does not answer, logins are refused with 503 (within about a second): without the
 * count, the lock could not hold.
 */
@Injectable()
export class LoginThrottle {
  private readonly memory = new Map<string, Counter>();

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    private readonly redis: RedisConnections,
  ) {}

  /** Throws `LoginLockedError` when the account or the address is locked. */
  async check(username: string, ip: string): Promise<void> {
    const { maxAttemptsPerAccount, maxAttemptsPerIp } = this.options.loginThrottle;
    const [account, address] = await this.counting(() =>
      Promise.all([this.read(accountKey(username)), this.read(ipKey(ip))]),
    );
    if (account.count >= maxAttemptsPerAccount)
      throw new LoginLockedError('account', account.retryAfterSeconds);
    if (address.count >= maxAttemptsPerIp)
      throw new LoginLockedError('ip', address.retryAfterSeconds);
  }

  async failed(username: string, ip: string): Promise<void> {
    await this.counting(() =>
      Promise.all([this.increment(accountKey(username)), this.increment(ipKey(ip))]),
    );
  }

  /** A good password clears the account's count (not the address's: one attacker, many accounts). */
  async succeeded(username: string): Promise<void> {
    const key = accountKey(username);
    if (this.options.loginThrottle.store === 'redis')
      await this.counting(() => this.client().del(this.redisKey(key)));
    else this.memory.delete(key);
  }

  private async read(key: string): Promise<{ count: number; retryAfterSeconds: number }> {
    if (this.options.loginThrottle.store === 'redis') {
      const [[, count], [, ttl]] = (await this.client()
        .multi()
        .get(this.redisKey(key))
        .pttl(this.redisKey(key))
        .exec()) as [[null, string | null], [null, number]];
      return { count: Number(count ?? 0), retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
    }
    const counter = this.memory.get(key);
    if (!counter || counter.resetAt <= Date.now()) return { count: 0, retryAfterSeconds: 0 };
    return {
      count: counter.count,
      retryAfterSeconds: Math.max(1, Math.ceil((counter.resetAt - Date.now()) / 1000)),
    };
  }

  private async increment(key: string): Promise<void> {
    const windowMs = this.options.loginThrottle.windowSeconds * 1000;
    if (this.options.loginThrottle.store === 'redis') {
      const full = this.redisKey(key);
      // The window starts with the first failure and does not move with later ones.
      await this.client().multi().set(full, 0, 'PX', windowMs, 'NX').incr(full).exec();
      return;
    }
    const now = Date.now();
    const counter = this.memory.get(key);
    if (!counter || counter.resetAt <= now)
      this.memory.set(key, { count: 1, resetAt: now + windowMs });
    else counter.count++;
    if (this.memory.size > 100_000) this.sweep(now);
  }

  private sweep(now: number): void {
    for (const [key, counter] of this.memory) if (counter.resetAt <= now) this.memory.delete(key);
  }

  /** A Redis failure becomes a 503 that says what is wrong (not a 500 after minutes of retries). */
  private async counting<T>(count: () => Promise<T>): Promise<T> {
    try {
      return await count();
    } catch (error) {
      if (this.options.loginThrottle.store !== 'redis') throw error;
      throw new ServiceUnavailableException(
        'Logins are paused: the counter of failed logins (Redis) does not answer. Try again shortly.',
      );
    }
  }

  private client() {
    // The rate limits' connection: commands fail within a second instead of queueing.
    return this.redis.get('throttle', { maxRetriesPerRequest: 1, commandTimeout: 1000 });
  }

  private redisKey(key: string): string {
    return this.redis.key('security', 'login', key);
  }
}

const accountKey = (username: string) => `a:${username}`;
const ipKey = (ip: string) => `i:${ip}`;
