import {
  DistributedLock,
  FencedWrites,
  LockTimeoutError,
  StaleFenceError,
  WithLock,
  type LockHandle,
} from '@lattice/cluster';
import { fencedUpdate, tryFencedUpdate } from '@lattice/cluster/database';
import { ConflictError, DependencyErrors, RedisConnections } from '@lattice/core';
import { Controller, Get, Injectable, Param, type INestApplicationContext } from '@nestjs/common';
import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Column, DataSource, Entity, PrimaryColumn, type Repository } from 'typeorm';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import { startHttpNode, startNode } from './lock-apps';

/** A row written under a lock: `fence` is the highest token it accepted. */
@Entity('fenced_reports')
class Report {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'varchar', length: 40 })
  body!: string;

  @Column({ type: 'integer', default: 0 })
  fence!: number;
}

/** Read-modify-write with a Redis round trip between the read and the write: loses updates unless locked. */
async function unsafeIncrement(redis: Redis, key: string): Promise<void> {
  const value = Number((await redis.get(key)) ?? 0);
  await redis.ping();
  await redis.set(key, String(value + 1));
}

@Injectable()
class Tally {
  counts = new Map<string, number>();
  inside = 0;
  maxInside = 0;

  @WithLock('tally:{id}', { acquireTimeoutMs: 10_000 })
  async add(input: { id: string }): Promise<number> {
    this.inside++;
    this.maxInside = Math.max(this.maxInside, this.inside);
    const value = this.counts.get(input.id) ?? 0;
    await new Promise((resolve) => setImmediate(resolve));
    this.counts.set(input.id, value + 1);
    this.inside--;
    return value + 1;
  }

  @WithLock('busy:{0}', { acquireTimeoutMs: 150 })
  async busy(name: string): Promise<string> {
    return name;
  }

  @WithLock((args) => `fn:${String(args[1])}`)
  async byFunction(_: unknown, suffix: string): Promise<string> {
    return suffix;
  }
}

@Controller('work')
class WorkController {
  constructor(private readonly tally: Tally) {}

  @Get(':name')
  work(@Param('name') name: string): Promise<string> {
    return this.tally.busy(name);
  }
}

describeWith(['redis'], 'DistributedLock on Redis (real Redis, two nodes)', () => {
  const prefix = uniqueRedisPrefix('cluster-lock');
  let a: INestApplicationContext;
  let b: INestApplicationContext;
  let admin: Redis;

  beforeAll(async () => {
    [a, b] = await Promise.all([
      startNode({ redisUrl: TEST_REDIS_URL, prefix, providers: [Tally] }),
      startNode({ redisUrl: TEST_REDIS_URL, prefix, providers: [Tally] }),
    ]);
    admin = new Redis(TEST_REDIS_URL);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    admin?.disconnect();
  });

  it('uses the redis driver', () => {
    expect(a.get(DistributedLock).driver).toBe('redis');
  });

  it('lets one holder in at a time: 40 contenders on two nodes keep an unsafe counter exact, with increasing fences', async () => {
    const counter = `${prefix}unsafe-counter`;
    const fences: number[] = [];
    const contenders = Array.from({ length: 40 }, (_, n) =>
      (n % 2 ? a : b).get(DistributedLock).using(
        'counter',
        async (lock) => {
          fences.push(lock.fence);
          await unsafeIncrement(admin, counter);
        },
        { acquireTimeoutMs: 30_000 },
      ),
    );
    await Promise.all(contenders);
    expect(await admin.get(counter)).toBe('40');
    // Holders came one after the other, each with a higher token than the one before.
    expect(fences).toEqual(Array.from({ length: 40 }, (_, n) => n + 1));
  });

  it('keeps a semaphore to its limit', async () => {
    const locks = a.get(DistributedLock);
    const others = b.get(DistributedLock);
    const slots = await Promise.all([1, 2, 3].map(() => locks.acquireSlot('exports', 3)));
    await expect(others.acquireSlot('exports', 3, { acquireTimeoutMs: 0 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    await slots[0].release();
    const fourth = await others.acquireSlot('exports', 3, { acquireTimeoutMs: 0 });
    expect(fourth.fence).toBe(4);
    await Promise.all([...slots.slice(1), fourth].map((slot) => slot.release()));

    // Under contention: never more than the limit inside.
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        (n % 2 ? locks : others)
          .acquireSlot('exports-busy', 3, { acquireTimeoutMs: 30_000 })
          .then(async (slot) => {
            most = Math.max(most, ++inside);
            await admin.ping();
            inside--;
            await slot.release();
          }),
      ),
    );
    expect(most).toBeLessThanOrEqual(3);
  });

  it('gives up after acquireTimeoutMs with a 409 naming the key and the wait', async () => {
    const held = await a.get(DistributedLock).acquire('report:weekly');
    const error = await b
      .get(DistributedLock)
      .acquire('report:weekly', { acquireTimeoutMs: 100 })
      .catch((e: unknown) => e);
    await held.release();
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'LATTICE_CLUSTER_LOCK_TIMEOUT', key: 'report:weekly' });
    expect((error as LockTimeoutError).waitedMs).toBeGreaterThanOrEqual(90);
    expect((error as Error).message).toMatch(
      /^Lock "report:weekly" is held by another process: waited \d+ ms for it\.$/,
    );
    expect(a.get(DependencyErrors).classify(error)).toBe(error);
  });

  it('answers 409 over HTTP when a @WithLock method cannot get its lock', async () => {
    const { app, url } = await startHttpNode({
      redisUrl: TEST_REDIS_URL,
      prefix,
      providers: [Tally],
      controllers: [WorkController],
    });
    try {
      expect(await (await fetch(`${url}/work/free`)).text()).toBe('free');
      const held = await a.get(DistributedLock).acquire('busy:taken');
      const response = await fetch(`${url}/work/taken`);
      await held.release();
      expect(response.status).toBe(409);
      expect(await response.json()).toMatchObject({
        code: 'LATTICE_CLUSTER_LOCK_TIMEOUT',
        message: expect.stringContaining('Lock "busy:taken" is held by another process: waited'),
      });
    } finally {
      await app.close();
    }
  });

  it('serialises @WithLock calls per key across nodes, fills placeholders, and leaves other keys free', async () => {
    const tallies = [a.get(Tally), b.get(Tally)];
    // Each node counts in its own memory, so run all calls of one id on one node and check the
    // lock also held across nodes through the max-inside figure.
    await Promise.all(Array.from({ length: 20 }, () => tallies[0].add({ id: 'q1' })));
    expect(tallies[0].counts.get('q1')).toBe(20);
    expect(tallies[0].maxInside).toBe(1);
    expect(await tallies[1].byFunction(null, 'x')).toBe('x');
    await expect(tallies[1].add({} as { id: string })).rejects.toMatchObject({
      code: 'LATTICE_CLUSTER_LOCK_KEY_PLACEHOLDER',
    });
  });

  it('gives held leases back when the node shuts down', async () => {
    const leaving = await startNode({ redisUrl: TEST_REDIS_URL, prefix });
    const lock = await leaving.get(DistributedLock).acquire('held-at-shutdown');
    await leaving.close();
    expect(lock.held).toBe(false);
    // Not left to expire (10 s): free at once.
    const next = await b.get(DistributedLock).acquire('held-at-shutdown', { acquireTimeoutMs: 0 });
    expect(next.fence).toBe(lock.fence + 1);
    await next.release();
  });

  it('refreshes the lease of a long holder, and aborts its signal when Redis says it is gone', async () => {
    const locks = a.get(DistributedLock);
    const lock = await locks.acquire('long-job', { ttlMs: 300 });
    const key = `${prefix}cluster:lock:long-job`;
    // The lease is extended several times over (its remaining time goes back up).
    let refreshes = 0;
    let last = await admin.pttl(key);
    await waitFor(
      async () => {
        const ttl = await admin.pttl(key);
        if (ttl > last) refreshes++;
        last = ttl;
        return refreshes >= 4;
      },
      { what: 'four refreshes of the lease', intervalMs: 10 },
    );
    expect(lock.held).toBe(true);
    await expect(
      b.get(DistributedLock).acquire('long-job', { acquireTimeoutMs: 0 }),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    // Someone removes it (an operator, an expiry): the next refresh is refused.
    await admin.del(key);
    await waitFor(() => lock.signal.aborted, { what: 'the signal to abort' });
    expect(lock.held).toBe(false);
    expect(lock.signal.reason).toMatchObject({ code: 'LATTICE_CLUSTER_LEASE_LOST' });
    await lock.release();
  });
});

describeWith(
  ['redis', 'mysql'],
  'Fencing tokens: a holder cut off past its lease cannot overwrite (Redis, SQLite, MariaDB)',
  () => {
    const prefix = uniqueRedisPrefix('cluster-fence');
    let proxy: TcpProxy;
    let paused: INestApplicationContext; // holder A, reaches Redis through the proxy
    let fresh: INestApplicationContext; // holder B
    let mariadb: TestDatabase;
    let sqliteDir: string;
    const sources: Record<string, DataSource> = {};
    const reports: Record<string, Repository<Report>> = {};
    let lockA: LockHandle;
    let lockB: LockHandle;

    beforeAll(async () => {
      proxy = await TcpProxy.start('127.0.0.1', Number(new URL(TEST_REDIS_URL).port || 6379));
      [paused, fresh] = await Promise.all([
        startNode({ redisUrl: `redis://${proxy.address}`, prefix }),
        startNode({ redisUrl: TEST_REDIS_URL, prefix }),
      ]);
      mariadb = await createTestDatabase();
      sqliteDir = mkdtempSync(join(tmpdir(), 'lattice-fence-'));
      sources.mariadb = await new DataSource({
        type: 'mysql',
        url: mariadb.url,
        entities: [Report],
        synchronize: true,
      }).initialize();
      sources.sqlite = await new DataSource({
        type: 'better-sqlite3',
        database: join(sqliteDir, 'fence.sqlite'),
        entities: [Report],
        synchronize: true,
      }).initialize();
      for (const [name, source] of Object.entries(sources)) {
        reports[name] = source.getRepository(Report);
        await reports[name].insert({ id: 1, body: 'empty', fence: 0 });
      }

      // A takes the lock, then is cut off (a pause, a partition): its refreshes stop reaching Redis.
      lockA = await paused.get(DistributedLock).acquire('report:1', { ttlMs: 600 });
      proxy.setMode('silent');
      // A stops trusting its lease before it ends…
      await waitFor(() => lockA.signal.aborted, { what: "A's signal to abort" });
      // …and B gets the lock once Redis expires it, with a higher token.
      lockB = await fresh.get(DistributedLock).acquire('report:1', { acquireTimeoutMs: 10_000 });
    });
    afterAll(async () => {
      await Promise.all([paused?.close(), fresh?.close()]);
      await proxy?.close();
      await Promise.all(Object.values(sources).map((source) => source.destroy()));
      await mariadb?.drop();
      if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    });

    it('numbers the two holders 1 and 2, and A knows it lost the lease', () => {
      expect(lockA.fence).toBe(1);
      expect(lockB.fence).toBe(2);
      expect(lockA.held).toBe(false);
      expect(lockA.signal.reason).toMatchObject({ code: 'LATTICE_CLUSTER_LEASE_LOST' });
    });

    it('Redis: B writes with fence 2; A, back, writes late with fence 1 and is refused', async () => {
      const key = `${prefix}report:1`;
      await fresh.get(FencedWrites).set(key, 'from B', lockB.fence);
      proxy.setMode('pass');
      const fencedA = paused.get(FencedWrites);
      // A's connection comes back (the partition broke its socket; it reconnects).
      const accepted = await waitFor(
        async () => ({ accepted: await fencedA.trySet(key, 'from A', lockA.fence) }),
        {
          what: "A's late write to reach Redis",
        },
      );
      expect(accepted).toEqual({ accepted: false });
      await expect(fencedA.set(key, 'from A', lockA.fence)).rejects.toMatchObject({
        code: 'LATTICE_CLUSTER_STALE_FENCE',
        message: expect.stringContaining('fencing token 1 is older than the stored 2'),
      });
      expect(await fencedA.get(key)).toBe('from B');
      // B may write again under its token; any command can be fenced.
      await fresh.get(FencedWrites).set(key, 'from B again', lockB.fence);
      expect(
        await fresh.get(FencedWrites).run(`${prefix}report:1:tags`, lockB.fence, 'SADD', 'weekly'),
      ).toBe(1);
      await expect(
        paused.get(FencedWrites).run(`${prefix}report:1:tags`, lockA.fence, 'SADD', 'stale'),
      ).rejects.toBeInstanceOf(StaleFenceError);
      expect(await fencedA.get(key)).toBe('from B again');
    });

    it.each(['sqlite', 'mariadb'])(
      '%s: B updates with fence 2; A’s late conditional UPDATE with fence 1 is refused',
      async (name) => {
        const repository = reports[name];
        expect(await tryFencedUpdate(repository, 1, { body: 'from B' }, lockB.fence)).toBe(true);
        expect(await tryFencedUpdate(repository, 1, { body: 'from A' }, lockA.fence)).toBe(false);
        const error = await fencedUpdate(repository, 1, { body: 'from A' }, lockA.fence).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(StaleFenceError);
        expect(error).toMatchObject({
          code: 'LATTICE_CLUSTER_STALE_FENCE',
          resource: 'fenced_reports#1',
          fence: 1,
        });
        // Same token again (B writes twice) is accepted, even with the same values.
        expect(await tryFencedUpdate(repository, 1, { body: 'from B' }, lockB.fence)).toBe(true);
        expect(await repository.findOneByOrFail({ id: 1 })).toMatchObject({
          body: 'from B',
          fence: 2,
        });
        await expect(fencedUpdate(repository, 99, { body: 'x' }, 3)).rejects.toMatchObject({
          code: 'LATTICE_CLUSTER_FENCED_ROW_MISSING',
        });
      },
    );
  },
);

describe('DistributedLock without Redis (memory driver)', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await startNode({ prefix: 'unused:', providers: [Tally] });
  });
  afterAll(() => app?.close());

  it('has the same API: one holder at a time, increasing fences, semaphores, timeouts', async () => {
    const locks = app.get(DistributedLock);
    expect(locks.driver).toBe('memory');
    let value = 0;
    const fences: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, () =>
        locks.using('counter', async (lock) => {
          fences.push(lock.fence);
          const read = value;
          await new Promise((resolve) => setImmediate(resolve));
          value = read + 1;
        }),
      ),
    );
    expect(value).toBe(20);
    expect(fences).toEqual(Array.from({ length: 20 }, (_, n) => n + 1));

    const slots = await Promise.all([locks.acquireSlot('s', 2), locks.acquireSlot('s', 2)]);
    await expect(locks.acquireSlot('s', 2, { acquireTimeoutMs: 20 })).rejects.toBeInstanceOf(
      LockTimeoutError,
    );
    const waiting = locks.acquireSlot('s', 2, { acquireTimeoutMs: 10_000 });
    await slots[0].release();
    await (await waiting).release();
    await slots[1].release();

    const held = await locks.acquire('x');
    await expect(locks.acquire('x', { acquireTimeoutMs: 0 })).rejects.toMatchObject({
      code: 'LATTICE_CLUSTER_LOCK_TIMEOUT',
    });
    expect(held.held).toBe(true);
    await held.release();
    expect(held.held).toBe(false);
  });

  it('runs @WithLock methods one at a time per key', async () => {
    const tally = app.get(Tally);
    await Promise.all(Array.from({ length: 10 }, () => tally.add({ id: 'm' })));
    expect(tally.counts.get('m')).toBe(10);
    expect(tally.maxInside).toBe(1);
  });

  it('keeps fenced values in memory', async () => {
    const fenced = app.get(FencedWrites);
    expect(await fenced.trySet('k', 'two', 2)).toBe(true);
    expect(await fenced.trySet('k', 'one', 1)).toBe(false);
    expect(await fenced.get('k')).toBe('two');
  });

  it('is reachable through the lock service of the Redis connections it does not use', () => {
    expect(app.get(RedisConnections).configured).toBe(false);
  });
});
