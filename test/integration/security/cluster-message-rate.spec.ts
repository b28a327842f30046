import { LatticeModule, RedisConnections } from '@lattice/core';
import { ClusterMessageRate } from '@lattice/security';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

/** A node's RedisConnections: each context is a node with its own connections. */
async function node(env: Record<string, string>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
    ],
  })
  class NodeModule {}
  return NestFactory.createApplicationContext(NodeModule, { logger: false });
}

const LIMIT = { messages: 10, perMs: 60_000 };
const rateOn = (context: INestApplicationContext, failures: unknown[] = []) =>
  new ClusterMessageRate(
    context.get(RedisConnections),
    LIMIT,
    (error) => failures.push(error),
    () => undefined,
  );
/** Admits up to `n` frames of `user`; returns how many were admitted. */
const send = (rate: ClusterMessageRate, user: string, n: number) =>
  Array.from({ length: n }, () => rate.admit(user)).filter(Boolean).length;

describeWith(['redis'], "ClusterMessageRate: a user's frames counted across nodes", () => {
  const contexts: INestApplicationContext[] = [];
  let env: Record<string, string>;
  beforeAll(() => {
    env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('message-rate') };
  });
  afterAll(() => Promise.all(contexts.map((c) => c.close())));
  const start = async (extra: Record<string, string> = {}) => {
    const context = await node({ ...env, ...extra });
    contexts.push(context);
    return context;
  };

  it('a node learns what another admitted at its next exchange; the overshoot is what it had not heard of', async () => {
    const [a, b] = [rateOn(await start()), rateOn(await start())];
    expect(a.flushEvery).toBe(1);
    expect(send(a, 'ada', 10)).toBe(10);
    await a.sync();
    // B has not exchanged for ada yet: its first frame is admitted, and it reports it at once.
    expect(send(b, 'ada', 1)).toBe(1);
    await b.sync();
    expect(send(b, 'ada', 5)).toBe(0);
    await a.sync();
    expect(send(a, 'ada', 5)).toBe(0);
    // Another user is not affected.
    expect(send(b, 'grace', 3)).toBe(3);
  });

  it('counts admitted while Redis was unreachable are reported once it is back', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', 6379);
    try {
      const failures: unknown[] = [];
      const a = rateOn(await start());
      const b = rateOn(await start({ REDIS_URL: `redis://${proxy.address}` }), failures);
      await b.sync();
      proxy.setMode('refuse');
      // B counts alone: it admits within its own view of the window.
      expect(send(b, 'linus', 4)).toBe(4);
      expect((await b.sync()).ok).toBe(false);
      expect(failures.length).toBeGreaterThan(0);
      proxy.setMode('pass');
      await waitFor(async () => (await b.sync()).ok, { what: 'an exchange once Redis is back' });
      // A sees B's four: six more, then refused.
      expect(send(a, 'linus', 1)).toBe(1);
      await a.sync();
      expect(send(a, 'linus', 10)).toBe(5);
    } finally {
      await proxy.close();
    }
  });
});
