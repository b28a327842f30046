import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';
import { LatticeDrivers } from '../drivers/lattice-drivers';
import { LatticeMessages } from '../lattice.messages';

/** The connection used when no name is given. */
export const DEFAULT_REDIS_CONNECTION = 'default';

const PING_TIMEOUT_MS = 1000;
const QUIT_TIMEOUT_MS = 2000;

/**
 * The shared Redis connections. Libraries ask for a named connection instead of opening
 * their own: `redis.get()` for commands, a separate name for anything that blocks or
 * subscribes (`redis.get('pubsub')`). Connections open lazily on first use, reconnect with
 * capped exponential backoff, and are all closed when the application shuts down.
 */
@Injectable()
export class RedisConnections implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly connections = new Map<string, Redis>();
  private closed = false;

  constructor(private readonly drivers: LatticeDrivers) {}

  /** True when REDIS_URL is set. */
  get configured(): boolean {
    return this.drivers.redis !== undefined;
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
    const client = new Redis(target.url, {
      connectionName: `lattice:${name}`,
      // 50 ms, 100 ms, 200 ms … capped at 5 s: quick to recover, gentle on a Redis that is down.
      retryStrategy: (attempt) => Math.min(50 * 2 ** (attempt - 1), 5000),
      ...options,
    });
    this.watch(name, client, target.safeUrl);
    this.connections.set(name, client);
    return client;
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
            () => reject(LatticeMessages.redisPingTimeout(name, timeoutMs)),
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

  /** Log state changes once per outage rather than once per retry. */
  private watch(name: string, client: Redis, safeUrl: string): void {
    let down = false;
    client.on('error', (error: Error) => {
      if (down) return;
      down = true;
      this.logger.warn(
        `Connection "${name}" to ${safeUrl} failed: ${error.message}. Reconnecting…`,
      );
    });
    client.on('ready', () => {
      if (down) this.logger.log(`Connection "${name}" to ${safeUrl} is back.`);
      down = false;
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
