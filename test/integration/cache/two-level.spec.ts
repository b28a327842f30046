import { LatticeModule } from '@lattice/core';
import { CacheModule, getCacheToken, LatticeCache } from '@lattice/cache';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { TsProcess } from '../../support/processes';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { eventually, PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';

/** One node: a two-level cache on the shared Redis, its memory level keeping values for a minute. */
function bootNode(prefix: string): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
        envFile: false,
        bootReport: false,
      }),
      CacheModule.forRoot({
        default: { driver: 'two-level', l1Ttl: 60_000 },
        tagCleanupIntervalMs: 0,
      }),
    ],
  })
  class NodeModule {}
  return NestFactory.createApplicationContext(NodeModule, { logger: false });
}

/** Two nodes (two application contexts, two PubSub node ids) sharing one Redis. */
describeWith(['redis'], 'two-level cache across nodes (real Redis and PubSub)', () => {
  const prefix = uniqueRedisPrefix('two-level');
  let nodes: INestApplicationContext[];
  let a: LatticeCache;
  let b: LatticeCache;

  const boot = () => bootNode(prefix);

  beforeAll(async () => {
    nodes = await Promise.all([boot(), boot()]);
    [a, b] = nodes.map((node) => node.get<LatticeCache>(getCacheToken()));
  });
  afterAll(() => Promise.all(nodes.map((node) => node.close())));

  it('serves repeated reads from the memory level', async () => {
    await a.set('greeting', 'hello');
    expect(await b.get('greeting')).toBe('hello'); // now in b's memory level
    await b.store.set('greeting', 'changed behind the cache'); // Redis only, nobody told
    expect(await b.get('greeting')).toBe('hello');
  });

  it('drops a key from the other nodes’ memory level when one node writes it', async () => {
    await a.set('count', 1);
    expect(await b.get('count')).toBe(1);
    await a.set('count', 2);
    // PubSub delivery is asynchronous: read until the other node has dropped its copy.
    await eventually(async () => expect(await b.get('count')).toBe(2));
  });

  it('drops deleted keys everywhere', async () => {
    await a.set('doomed', 'x');
    expect(await b.get('doomed')).toBe('x');
    await a.del('doomed');
    await eventually(async () => expect(await b.get('doomed')).toBeUndefined());
  });

  it('flushes tags for every node', async () => {
    await a.tags(['questions']).set('top', [1, 2, 3]);
    expect(await b.tags(['questions']).get('top')).toEqual([1, 2, 3]);
    await a.tags(['questions']).flush();
    await eventually(async () => expect(await b.tags(['questions']).get('top')).toBeUndefined());
  });
});

describeWith(['redis'], 'two-level cache across two processes', () => {
  const prefix = uniqueRedisPrefix('two-level-processes');
  let node: INestApplicationContext;
  let peer: TsProcess;

  beforeAll(async () => {
    node = await bootNode(prefix);
    peer = new TsProcess('test/integration/cache/fixtures/two-level-node.ts', {
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
    });
    await peer.waitFor(/^ready$/m, PROCESS_START_MS);
  }, PROCESS_TEST_MS);
  afterAll(async () => {
    await peer?.stop();
    await node?.close();
  });

  it('shows the other process each new value although its memory level would keep the old one for a minute', async () => {
    const cache = node.get<LatticeCache>(getCacheToken());
    await cache.set('shared', 'first');
    await peer.waitFor(/^value "first"$/m);
    // The peer subscribes to invalidations in the background after it is ready: write again
    // until it shows the new value (a write it missed would leave it on "first" for a minute).
    const until = (change: () => Promise<unknown>, shown: RegExp) =>
      waitFor(async () => (await change(), shown.test(peer.output.stdout)), {
        what: `the peer to print ${shown}`,
        intervalMs: 200,
      });
    await until(() => cache.set('shared', 'second'), /^value "second"$/m);
    await until(() => cache.del('shared'), /^value null$/m);
    // the whole sequence, in order: first, second, gone
    await peer.waitFor(/^value "first"$[\s\S]*^value "second"$[\s\S]*^value null$/m);
  });
});
