import { isAbsolute, resolve } from 'node:path';
import type { LatticeConfig } from '../config/lattice.config';
import { maskUrlPassword } from '../config/config.loader';
import { LatticeMessages } from '../lattice.messages';
import type { DatabaseTarget, DriverKinds, DriverPart, RedisTarget } from './drivers.interfaces';

/** The SQLite file used when DATABASE_URL is not set, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = 'var/lattice.sqlite';

const REDIS_KIND: { [P in Exclude<DriverPart, 'database'>]: DriverKinds[P] } = {
  cache: 'redis',
  queue: 'bullmq',
  state: 'redis',
  events: 'redis',
  pubsub: 'redis',
};

/**
 * Driver selection in one place. Every library asks this service which implementation
 * to use instead of reading the environment itself:
 * `DATABASE_URL` unset → SQLite file, `mysql://` → MySQL; `REDIS_URL` unset → in-process
 * drivers, `redis://` → Redis for cache, queue (BullMQ), state, event history and pub/sub.
 */
export class LatticeDrivers {
  readonly database: DatabaseTarget;
  readonly redis: RedisTarget | undefined;
  private readonly kinds: DriverKinds;

  constructor(config: LatticeConfig, overrides: Partial<DriverKinds> = {}) {
    this.database = databaseTarget(config.get('DATABASE_URL'));
    const redisUrl = config.get('REDIS_URL');
    this.redis = redisUrl
      ? {
          url: redisUrl,
          safeUrl: maskUrlPassword(redisUrl),
          keyPrefix: config.get('REDIS_KEY_PREFIX'),
          commandTimeoutMs: config.get('REDIS_COMMAND_TIMEOUT_MS'),
          connectTimeoutMs: config.get('REDIS_CONNECT_TIMEOUT_MS'),
        }
      : undefined;

    const kinds = { database: this.database.kind } as DriverKinds;
    for (const part of Object.keys(REDIS_KIND) as (keyof typeof REDIS_KIND)[]) {
      (kinds as unknown as Record<string, string>)[part] = this.redis ? REDIS_KIND[part] : 'memory';
    }
    for (const [part, driver] of Object.entries(overrides) as [DriverPart, string][]) {
      if (part === 'database') continue; // the database follows DATABASE_URL only
      if (driver !== 'memory' && !this.redis) throw LatticeMessages.driverNeedsRedis(part, driver);
      (kinds as unknown as Record<string, string>)[part] = driver;
    }
    this.kinds = kinds;
  }

  /** The driver for one part, e.g. `drivers.for('queue')` → `'bullmq'`. */
  for<P extends DriverPart>(part: P): DriverKinds[P] {
    return this.kinds[part];
  }

  /** Redis settings, or a clear error naming who needed them. */
  requireRedis(purpose: string): RedisTarget {
    if (!this.redis) throw LatticeMessages.redisNotConfigured(purpose);
    return this.redis;
  }

  /** Every part and its driver, for the boot report and health checks. */
  report(): DriverKinds {
    return { ...this.kinds };
  }
}

function databaseTarget(url: string | undefined): DatabaseTarget {
  if (!url) return { kind: 'sqlite', path: resolve(DEFAULT_SQLITE_PATH) };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return {
      kind: 'sqlite',
      path: file === ':memory:' ? file : isAbsolute(file) ? file : resolve(file),
    };
  }
  // The schema has already checked the scheme, host and database name.
  const parsed = new URL(url.replace(/^mariadb:/, 'mysql:'));
  return {
    kind: 'mysql',
    url: parsed.toString(),
    safeUrl: maskUrlPassword(parsed.toString()),
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    database: decodeURIComponent(parsed.pathname.slice(1)),
  };
}
