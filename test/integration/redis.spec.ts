import { LatticeModule, PubSub, RedisConnections, RedisPubSub } from '@lattice/core';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../support/describe-with';
import { TsProcess } from '../support/processes';
import { TEST_REDIS_URL } from '../support/services';
import { uniqueRedisPrefix } from '../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../support/wait';

function redisApp(prefix: string): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
        envFile: false,
        bootReport: false,
      }),
    ],
  })
  class RedisTestModule {}
  return NestFactory.createApplicationContext(RedisTestModule, { logger: ['error', 'warn'] });
}

describeWith(['redis'], 'Redis through the shared connections (real Redis)', () => {
  let app: INestApplicationContext;
  let redis: RedisConnections;
  const prefix = uniqueRedisPrefix('redis');

  beforeAll(async () => {
    app = await redisApp(prefix);
    redis = app.get(RedisConnections);
  });
  afterAll(() => app?.close());

  it('makes a round trip with the prefixed key and answers PING', async () => {
    const key = redis.key('greeting');
    expect(key).toBe(`${prefix}greeting`);
    await redis.get().set(key, 'hello', 'EX', 60);
    expect(await redis.get().get(key)).toBe('hello');
    expect(await redis.ping()).toBeGreaterThan(0);
  });

  it('opens each named connection once, lazily, and keeps them apart', async () => {
    expect(redis.get('jobs')).toBe(redis.get('jobs'));
    expect(redis.get('jobs')).not.toBe(redis.get());
    const names = (await redis.get().client('LIST')) as string;
    await redis.get('jobs').ping();
    expect(redis.names()).toEqual(expect.arrayContaining(['default', 'jobs']));
    expect(names).toContain('name=lattice:default');
  });

  it('uses the Redis PubSub and delivers within the process', async () => {
    const pubsub = app.get(PubSub);
    expect(pubsub).toBeInstanceOf(RedisPubSub);
    const received: unknown[] = [];
    const unsubscribe = await pubsub.subscribe(
      'local.test',
      (m, meta) => void received.push([m, meta.local]),
    );
    await pubsub.publish('local.test', { a: 1 });
    await waitFor(() => received.length > 0, { what: 'the local delivery' });
    expect(received).toEqual([[{ a: 1 }, true]]);
    await unsubscribe();
  });

  it('closes every connection on shutdown', async () => {
    const other = await redisApp(prefix);
    const connections = other.get(RedisConnections);
    const clients = [connections.get(), connections.get('extra')];
    await Promise.all(clients.map((c) => c.ping()));
    await other.close();
    expect(clients.map((c) => c.status)).toEqual(['end', 'end']);
    expect(() => connections.get()).toThrow(
      expect.objectContaining({ code: 'LATTICE_REDIS_CLOSED' }),
    );
  });

  it('fails PING with a clear error when Redis does not answer', async () => {
    const other = await NestFactory.createApplicationContext(
      (() => {
        @Module({
          imports: [
            LatticeModule.forRoot({
              env: { REDIS_URL: 'redis://127.0.0.1:1' },
              envFile: false,
              bootReport: false,
            }),
          ],
        })
        class DeadRedisModule {}
        return DeadRedisModule;
      })(),
      { logger: false },
    );
    await expect(other.get(RedisConnections).ping(undefined, 300)).rejects.toMatchObject({
      code: 'LATTICE_SERVICE_UNAVAILABLE',
      service: 'Redis',
      message: expect.stringMatching(/^Redis is unreachable \(.+\): try again shortly\.$/),
    });
    await other.close();
  });
});

describeWith(['redis'], 'PubSub ordering while the connection comes up (real Redis)', () => {
  it('delivers publishes in the order they were made, across the moment the connection is ready', async () => {
    const prefix = uniqueRedisPrefix('pubsub-order');
    const listener = await redisApp(prefix);
    const received: number[] = [];
    await listener.get(PubSub).subscribe<number>('order', (n) => void received.push(n));
    // Fresh apps whose publishing connection opens with the first publish; a publish every
    // turn of the event loop, so some are made before it is ready and some after.
    for (let round = 0; round < 5; round++) {
      received.length = 0;
      const publisher = await redisApp(prefix);
      const pubsub = publisher.get(PubSub);
      const sent: Promise<void>[] = [];
      for (let n = 1; n <= 200; n++) {
        sent.push(pubsub.publish('order', n));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(sent);
      await waitFor(() => received.length >= 200, {
        what: () => `200 messages (${received.length})`,
      });
      expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      await publisher.close();
    }
    await listener.close();
  });
});

describeWith(['redis'], 'PubSub across processes (real Redis)', () => {
  const prefix = uniqueRedisPrefix('pubsub');
  let app: INestApplicationContext;
  let peer: TsProcess;
  let peerNode: string;
  let driver: string;

  // Both tests need the peer subscribed: wait for it here, not in whichever test runs first.
  beforeAll(async () => {
    app = await redisApp(prefix);
    peer = new TsProcess('test/integration/fixtures/pubsub-peer.ts', {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
    [, peerNode, driver] = await peer.waitFor(/ready (\S+) (\S+)/, PROCESS_START_MS);
  }, PROCESS_TEST_MS);
  afterAll(async () => {
    await peer?.stop();
    await app?.close();
  });

  it(
    'carries a message from this process to a subscriber in another, and the answer back',
    async () => {
      expect(driver).toBe('redis');

      const pubsub = app.get(PubSub);
      const pongs: {
        message: { n: number; pid: number; from: string };
        origin: string;
        local: boolean;
      }[] = [];
      await pubsub.subscribe<{ n: number; pid: number; from: string }>(
        'peer.pong',
        (message, meta) => {
          pongs.push({ message, origin: meta.origin, local: meta.local });
        },
      );
      for (let n = 1; n <= 3; n++) await pubsub.publish('peer.ping', { n });

      await waitFor(() => pongs.length === 3, { what: 'three pongs from the peer' });
      expect(pongs.map((p) => p.message.n)).toEqual([1, 2, 3]);
      for (const pong of pongs) {
        expect(pong.message.pid).toBe(peer.child.pid);
        expect(pong.message.pid).not.toBe(process.pid);
        expect(pong.message.from).toBe(pubsub.nodeId); // the peer saw our node id as the origin
        expect(pong.origin).toBe(peerNode);
        expect(pong.local).toBe(false);
      }
    },
    PROCESS_TEST_MS,
  );

  it('does not cross key prefixes: another app’s topics stay separate', async () => {
    const stranger = await redisApp(uniqueRedisPrefix('stranger'));
    const received: unknown[] = [];
    await stranger.get(PubSub).subscribe('peer.pong', (m) => void received.push(m));
    await app.get(PubSub).publish('peer.ping', { n: 99 });
    const pongs: unknown[] = [];
    await app.get(PubSub).subscribe('peer.pong', (m) => void pongs.push(m));
    await app.get(PubSub).publish('peer.ping', { n: 100 });
    await waitFor(() => pongs.length > 0, { what: 'a pong from the peer' });
    expect(received).toEqual([]);
    await stranger.close();
  });
});
