import { resolve } from 'node:path';
import { loadLatticeConfig } from '../config/config.loader';
import { LatticeError } from '../errors/lattice.error';
import { LatticeDrivers } from './lattice-drivers';

const drivers = (env: Record<string, string>, overrides = {}) =>
  new LatticeDrivers(loadLatticeConfig({ env, envFile: false }), overrides);

describe('LatticeDrivers', () => {
  it('runs everything in process on SQLite when nothing is configured', () => {
    const selected = drivers({});
    expect(selected.database).toEqual({ kind: 'sqlite', path: resolve('var/lattice.sqlite') });
    expect(selected.redis).toBeUndefined();
    expect(selected.report()).toEqual({
      database: 'sqlite',
      cache: 'memory',
      queue: 'memory',
      state: 'memory',
      events: 'memory',
      pubsub: 'memory',
    });
  });

  it('switches to MySQL and Redis by URL', () => {
    const selected = drivers({
      DATABASE_URL: 'mysql://app:s3cret@db.internal/forum',
      REDIS_URL: 'redis://cache:6379',
    });
    expect(selected.database).toEqual({
      kind: 'mysql',
      url: 'mysql://app:s3cret@db.internal/forum',
      safeUrl: 'mysql://app:***@db.internal/forum',
      host: 'db.internal',
      port: 3306,
      database: 'forum',
    });
    expect(selected.report()).toEqual({
      database: 'mysql',
      cache: 'redis',
      queue: 'bullmq',
      state: 'redis',
      events: 'redis',
      pubsub: 'redis',
    });
    expect(selected.for('queue')).toBe('bullmq');
    expect(selected.requireRedis('test')).toEqual({
      url: 'redis://cache:6379',
      safeUrl: 'redis://cache:6379',
      keyPrefix: 'lattice:',
      commandTimeoutMs: 1000,
      connectTimeoutMs: 1000,
    });
  });

  it('accepts mariadb:// and sqlite: URLs', () => {
    expect(drivers({ DATABASE_URL: 'mariadb://root@127.0.0.1:3307/test' }).database).toMatchObject({
      kind: 'mysql',
      port: 3307,
      url: 'mysql://root@127.0.0.1:3307/test',
    });
    expect(drivers({ DATABASE_URL: 'sqlite::memory:' }).database).toEqual({
      kind: 'sqlite',
      path: ':memory:',
    });
    expect(drivers({ DATABASE_URL: 'sqlite:data/app.db' }).database).toEqual({
      kind: 'sqlite',
      path: resolve('data/app.db'),
    });
    expect(drivers({ DATABASE_URL: 'sqlite:///tmp/app.db' }).database).toEqual({
      kind: 'sqlite',
      path: '/tmp/app.db',
    });
  });

  it('lets one part be forced back to memory', () => {
    const selected = drivers({ REDIS_URL: 'redis://cache:6379' }, { cache: 'memory' });
    expect(selected.for('cache')).toBe('memory');
    expect(selected.for('pubsub')).toBe('redis');
  });

  it('refuses a Redis driver without REDIS_URL, naming the part and the fix', () => {
    expect(() => drivers({}, { queue: 'bullmq' })).toThrow(
      expect.objectContaining({
        code: 'LATTICE_DRIVER_NEEDS_REDIS',
        message: expect.stringContaining('queue driver is set to "bullmq"'),
        hint: expect.stringContaining('Set REDIS_URL'),
      }),
    );
    expect(() => drivers({}).requireRedis('The cache')).toThrow(LatticeError);
    expect(() => drivers({}).requireRedis('The cache')).toThrow(
      'The cache needs Redis, but REDIS_URL is not set.',
    );
  });
});
