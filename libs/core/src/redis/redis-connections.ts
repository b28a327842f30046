import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import type { RedisTarget } from '../drivers/drivers.interfaces';
import { LatticeDrivers } from '../drivers/lattice-drivers';
import { ServiceUnavailableError } from '../errors/service-unavailable.error';
import { LatticeMessages } from '../lattice.messages';
import { DeadlineRedis } from './deadline-redis';

/** The connection used when no name is given. */
export const DEFAULT_REDIS_CONNECTION = 'default';

const PING_TIMEOUT_MS = 1000;
const QUIT_TIMEOUT_MS = 2000;

/** What `RedisConnections.check()` found. */
export interface RedisCheck {
  up: boolean;
  /** PING round trip, when up. */
  latencyMs?: number;
  /** Why not, when down. */
  reason?: string;
}

/**
 * The shared Redis connections. Libraries ask for a named connection instead of opening
 * their own: `redis.get()` for commands, a separate name for anything that blocks or
 * subscribes (`redis.get('pubsub')`). Connections open lazily on first use, reconnect with
 * capped exponential backoff, and are all closed when the application shuts down.
 *
 * Every command has a deadline (REDIS_COMMAND_TIMEOUT_MS, 1 s by default) and, while a
 * connection is down, fails at once instead of queueing: a request that needs Redis gets a
 * `ServiceUnavailableError` naming Redis (503 with Retry-After) instead of waiting for it to come
 * back. A connection created with `maxRetriesPerRequest: null` is a blocking one (BullMQ workers,
 * subscribers): no command deadline, and its commands wait for the reconnection.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly connections = new Map<string, DeadlineRedis>();
  private readonly down = new Map<string, string>();
  private closed = false;

  constructor(private readonly drivers: LatticeDrivers) {}

  /** True when REDIS_URL is set. */
  get configured(): boolean {
    return this.drivers.redis !== undefined;
  }

  /** The command deadline of non-blocking connections (REDIS_COMMAND_TIMEOUT_MS). */
  get commandTimeoutMs(): number {
    return this.drivers.redis?.commandTimeoutMs ?? PING_TIMEOUT_MS;
  }

  /** Prefix for every key and channel (REDIS_KEY_PREFIX): `redis.key('cache', 'user:1')` → `lattice:cache:user:1`. */
  key(...parts: string[]): string {
    return (this.drivers.redis?.keyPrefix ?? '') + parts.join(':');
  }

  /**
   * The named connection, created on first call. Options given on that first call
   * (for example `{ maxRetriesPerRequest: null }` for BullMQ workers) are kept.
   */
  get(name: string = DEFAULT_REDIS_CONNECTION, options: RedisOptions = {}): Redis {
    if (this.closed) throw LatticeMessages.redisConnectionsClosed(name);
    const existing = this.connections.get(name);
    if (existing) return existing;

    const target = this.drivers.requireRedis(`The Redis connection "${name}"`);
    const blocking = options.maxRetriesPerRequest === null;
    const client = new DeadlineRedis(target.url, {
      connectionName: `lattice:${name}`,
      // 50 ms, 100 ms, 200 ms … capped at 5 s: quick to recover, gentle on a Redis that is down.
      retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 5000),
      connectTimeout: target.connectTimeoutMs,
      ...(!blocking && {
        commandTimeout: target.commandTimeoutMs,
        // Retried once over a reconnection, then rejected (a timed-out command is not replayed).
        maxRetriesPerRequest: 1,
        autoResendUnfulfilledCommands: false,
      }),
      ...options,
    });
    client.failFast = !blocking;
    // Opened during an outage: fail fast from the start rather than queue until the deadline.
    if (!blocking && this.down.size > 0) client.options.enableOfflineQueue = false;
    client.readyTimeoutMs = target.connectTimeoutMs;
    this.watch(name, client, target);
    this.connections.set(name, client);
    return client;
  }

  /**
   * Whether Redis answers a PING within the deadline, for health and readiness checks. Never
   * rejects and never waits longer than `timeoutMs`.
   */
  async check(timeoutMs = PING_TIMEOUT_MS): Promise<RedisCheck> {
    try {
      return { up: true, latencyMs: await this.ping(DEFAULT_REDIS_CONNECTION, timeoutMs) };
    } catch (error) {
      const reason =
        error instanceof ServiceUnavailableError
          ? error.reason
          : error instanceof Error
            ? error.message
            : String(error);
      return { up: false, reason };
    }
  }

  /** Names of the connections that are down now, with the reason (empty when all are up). */
  outages(): ReadonlyMap<string, string> {
    return new Map(this.down);
  }

  /** Round-trip time of a PING in milliseconds; rejects if Redis does not answer within `timeoutMs`. */
  async ping(
    name: string = DEFAULT_REDIS_CONNECTION,
    timeoutMs = PING_TIMEOUT_MS,
  ): Promise<number> {
    const client = this.get(name);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new ServiceUnavailableError('Redis', `no answer to PING within ${timeoutMs} ms`),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
    return performance.now() - started;
  }

  /** Names of the connections opened so far. */
  names(): string[] {
    return [...this.connections.keys()];
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.connections.values()].map((client) => quit(client)));
    this.connections.clear();
  }

  /**
   * Log state changes once per outage rather than once per retry (WARN when it goes down and
   * when it is back), and stop queueing commands while it is down.
   */
  private watch(name: string, client: DeadlineRedis, target: RedisTarget): void {
    client.onUnreachable = (reason, silent) => {
      if (this.closed) return;
      if (silent) {
        // Every connection goes to the same server, so a silent partition hits them all: drop
        // their sockets now, so the others fail fast too instead of each waiting for its own
        // timeout (and subscribers reconnect and resubscribe once Redis is back).
        for (const other of this.connections.values())
          if (other !== client && other.status === 'ready') other.drop(reason);
      }
      if (this.down.has(name)) return;
      if (this.down.size === 0)
        this.logger.warn(
          `Redis at ${target.safeUrl} is unreachable (${reason}, connection "${name}"). Commands fail at once until it is back; reconnecting…`,
        );
      this.down.set(name, reason);
    };
    client.on('ready', () => {
      if (this.down.delete(name) && this.down.size === 0)
        this.logger.warn(`Redis at ${target.safeUrl} is back.`);
    });
  }
}

/** QUIT politely, fall back to a hard disconnect, and resolve once the socket is really closed. */
async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
  });
  if (client.status === 'ready') client.quit().catch(() => client.disconnect());
  else client.disconnect(); // connecting or reconnecting: nothing to say goodbye to
  await Promise.race([ended, timeout]);
  clearTimeout(timer);
  client.disconnect(); // no-op when already ended
}
