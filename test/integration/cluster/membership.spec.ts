import {
  ClusterManager,
  type ClusterEvent,
  type ClusterModuleOptions,
  type ClusterNode,
} from '@lattice/cluster';
import {
  LatticeGauges,
  LatticeShutdown,
  NODE_LEFT_TOPIC,
  PubSub,
  type NodeLeftMessage,
} from '@lattice/core';
import type { INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TcpProxy } from '../../support/tcp-proxy';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { bootMember } from './fixtures/membership-app';

const NODE = 'test/integration/cluster/fixtures/membership-node.ts';
/** Fast beats, so the suite runs in seconds; the proportions are the defaults' (ttl = 5 beats). */
const FAST: ClusterModuleOptions = { heartbeatMs: 100, ttlMs: 500 };

const ids = (nodes: ClusterNode[]) => nodes.map((node) => node.id).sort();

/** Every event a manager fires, in order. */
function record(cluster: ClusterManager): Array<{ event: ClusterEvent; node: ClusterNode }> {
  const seen: Array<{ event: ClusterEvent; node: ClusterNode }> = [];
  for (const event of ['join', 'suspect', 'leave', 'update'] as const)
    cluster.on(event, (node) => seen.push({ event, node }));
  return seen;
}

/** Resolves after `count` more beats of `cluster` (each beat re-checks the waiters). */
async function beats(cluster: ClusterManager, count: number): Promise<void> {
  let seen = -1; // the first check is the call itself
  await cluster.waitFor(() => ++seen >= count, 15_000);
}

async function startNode(
  env: Record<string, string>,
): Promise<{ node: TsProcess; nodeId: string }> {
  const node = new TsProcess(NODE, { ...env, LOG_LEVEL: 'error' });
  const line = await node.waitFor(/\{"ready":true,"nodeId":"([^"]+)"\}/, PROCESS_START_MS);
  return { node, nodeId: line[1] };
}

describeWith(['redis'], 'cluster membership on Redis', () => {
  jest.setTimeout(PROCESS_TEST_MS);
  const apps: INestApplicationContext[] = [];
  const children: TsProcess[] = [];
  let env: Record<string, string>;

  async function member(options: ClusterModuleOptions = {}): Promise<ClusterManager> {
    const app = await bootMember(env, { ...FAST, ...options });
    apps.push(app);
    return app.get(ClusterManager);
  }

  beforeEach(() => {
    // One registry per test: nodes of one test never see another's.
    env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('membership') };
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => child.stop('SIGKILL')));
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('lists every member on every node, and each hears the others join', async () => {
    const a = await member({ capabilities: ['ai'] });
    const joins = record(a);
    const b = await member({ role: 'worker', services: [{ name: 'nlp' }] });
    const c = await member();
    const all = [a.nodeId, b.nodeId, c.nodeId].sort();

    for (const cluster of [a, b, c])
      await cluster.waitFor((members) => ids(members).join() === all.join());
    expect(a.driver).toBe('redis');
    await waitFor(() => joins.filter((e) => e.event === 'join').length >= 2, {
      what: 'a to hear b and c join',
    });
    expect(
      joins
        .filter((e) => e.event === 'join')
        .map((e) => e.node.id)
        .sort(),
    ).toEqual([b.nodeId, c.nodeId].sort());
    const seenByC = c.members().find((node) => node.id === b.nodeId)!;
    expect(seenByC).toMatchObject({
      role: 'worker',
      port: null,
      services: ['nlp'],
      status: 'up',
      weight: 1,
    });
    expect(c.members().find((node) => node.id === a.nodeId)).toMatchObject({
      role: 'web',
      capabilities: ['ai'],
      port: 3000,
    });
    expect(a.self.id).toBe(a.nodeId);
  });

  it('a node that closes leaves at once: gone from the registry, NODE_LEFT "left" published', async () => {
    const a = await member();
    const b = await member();
    await a.waitFor((members) => members.length === 2);
    const events = record(a);
    const left: NodeLeftMessage[] = [];
    await apps[0].get(PubSub).subscribe<NodeLeftMessage>(NODE_LEFT_TOPIC, (m) => void left.push(m));
    const gone = b.nodeId;

    await apps.pop()!.close();
    // Deregistered before close() resolved: a read now no longer lists it, whatever the TTL.
    expect(ids(await a.refresh())).toEqual([a.nodeId]);
    await waitFor(() => left.length === 1, { what: 'NODE_LEFT for the closed node' });
    expect(left).toEqual([{ nodeId: gone, reason: 'left' }]);
    expect(events.filter((e) => e.event === 'leave').map((e) => e.node.id)).toEqual([gone]);
  });

  it('a node killed with SIGKILL is dropped by exactly one member, which publishes NODE_LEFT once', async () => {
    const { node, nodeId } = await startNode({ ...env, HEARTBEAT_MS: '100', TTL_MS: '500' });
    children.push(node);
    const survivors = [await member(), await member(), await member()];
    const heard = survivors.map(() => [] as NodeLeftMessage[]);
    await Promise.all(
      apps.map((app, i) =>
        app.get(PubSub).subscribe<NodeLeftMessage>(NODE_LEFT_TOPIC, (m) => void heard[i].push(m)),
      ),
    );
    for (const cluster of survivors)
      await cluster.waitFor((members) => members.length === 4 && ids(members).includes(nodeId));
    const leaves = survivors.map(record);

    const killedAt = Date.now();
    await node.stop('SIGKILL');
    await Promise.all(survivors.map((cluster) => cluster.waitFor((m) => !ids(m).includes(nodeId))));
    const detectedMs = Date.now() - killedAt;
    // A few beats more, so a second claimer would have had its chance.
    await Promise.all(survivors.map((cluster) => beats(cluster, 5)));

    for (const messages of heard)
      expect(messages.filter((m) => m.nodeId === nodeId)).toEqual([{ nodeId, reason: 'expired' }]);
    for (const events of leaves)
      expect(events.filter((e) => e.event === 'leave').map((e) => e.node.id)).toEqual([nodeId]);
    // Reported, not asserted (a loaded CI box stretches it): ttl 500 ms + up to a beat or two.
    process.stdout.write(
      `membership: a SIGKILLed node left every view ${detectedMs} ms after the kill\n`,
    );
  });

  it('marks a node that stops beating suspect, and up again when it beats', async () => {
    const { node, nodeId } = await startNode({ ...env, HEARTBEAT_MS: '100', TTL_MS: '500' });
    children.push(node);
    // This observer drops nobody for a minute, so a stopped node stays suspect until it resumes.
    const observer = await member({ heartbeatMs: 100, suspectAfterMs: 250, ttlMs: 60_000 });
    await observer.waitFor((members) => members.some((n) => n.id === nodeId && n.status === 'up'));
    const events = record(observer);

    node.child.kill('SIGSTOP');
    try {
      await observer.waitFor((m) => m.some((n) => n.id === nodeId && n.status === 'suspect'));
    } finally {
      node.child.kill('SIGCONT');
    }
    await observer.waitFor((m) => m.some((n) => n.id === nodeId && n.status === 'up'));
    expect(events.filter((e) => e.node.id === nodeId).map((e) => [e.event, e.node.status])).toEqual(
      [
        ['suspect', 'suspect'],
        ['update', 'up'],
      ],
    );
  });

  it('a draining node is still a member, marked draining (SIGTERM reaches it through LatticeShutdown.onDrain)', async () => {
    const a = await member();
    const b = await member();
    await a.waitFor((members) => members.length === 2);
    const events = record(a);

    apps[1].get(LatticeShutdown).startDraining();
    await apps[1].get(LatticeShutdown).drained();
    expect(b.self.status).toBe('draining');
    await a.waitFor((m) => m.some((n) => n.id === b.nodeId && n.status === 'draining'));
    expect(events.map((e) => [e.event, e.node.id, e.node.status])).toEqual([
      ['update', b.nodeId, 'draining'],
    ]);
  });

  it('rides out a Redis outage: one warning, the last view kept, registered again when Redis is back', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(TEST_REDIS_URL).port || 6379));
    try {
      const warnings: string[] = [];
      const logger = {
        log: () => undefined,
        error: () => undefined,
        warn: (message: unknown) => void warnings.push(String(message)),
      };
      const b = await member();
      // Booted last: Nest's loggers write to the logger of the context created last.
      const cut = await bootMember({ ...env, REDIS_URL: `redis://${proxy.address}` }, FAST, {
        logger,
      });
      apps.push(cut);
      const a = cut.get(ClusterManager);
      await a.waitFor((members) => members.length === 2);
      await b.waitFor((members) => members.length === 2);

      proxy.setMode('refuse');
      await b.waitFor((members) => ids(members).join() === b.nodeId); // a expired for the others
      await waitFor(() => warnings.some((w) => w.startsWith('Cluster heartbeats fail')), {
        what: 'the heartbeat warning',
      });
      expect(ids(a.members())).toEqual([a.nodeId, b.nodeId].sort()); // its last view
      await expect(a.refresh()).rejects.toThrow(/Redis/);

      proxy.setMode('pass');
      await b.waitFor((members) => ids(members).includes(a.nodeId));
      await waitFor(
        () => warnings.some((w) => w.startsWith('Cluster heartbeats reach Redis again')),
        {
          what: 'the recovery warning',
        },
      );
      expect(warnings.filter((w) => w.startsWith('Cluster heartbeats fail'))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it("carries core's gauges, the event-loop lag and the heap in each node's load", async () => {
    const a = await member();
    const b = await member();
    const gauges = apps[0].get(LatticeGauges);
    gauges.register({ name: 'lattice_socket_connections', help: 'test', read: () => 7 });
    gauges.register({ name: 'lattice_live_sessions', help: 'test', read: () => 5 });
    gauges.register({ name: 'lattice_queue_jobs_active', help: 'test', read: () => 2 });
    gauges.register({ name: 'test_widgets', help: 'test', read: () => 3 });
    gauges.register({
      name: 'test_broken',
      help: 'test',
      read: () => {
        throw new Error('broken');
      },
    });

    const [seen] = (
      await b.waitFor((m) => m.some((n) => n.id === a.nodeId && n.load.connections === 7))
    ).filter((n) => n.id === a.nodeId);
    expect(seen.load).toMatchObject({
      connections: 7,
      liveSessions: 5,
      jobsActive: 2,
      gauges: { test_widgets: 3 },
    });
    expect(seen.load.gauges).not.toHaveProperty('test_broken');
    expect(seen.load.heapUsedBytes).toBeGreaterThan(0);
    expect(seen.load.eventLoopLagMs).toBeGreaterThanOrEqual(0);
  });
});

describe('cluster membership in one process (no REDIS_URL)', () => {
  let app: INestApplicationContext | undefined;
  afterEach(() => app?.close());

  it('is a cluster of one with the same API', async () => {
    app = await bootMember({}, { ...FAST, capabilities: ['ai'] });
    const cluster = app.get(ClusterManager);
    expect(cluster.driver).toBe('memory');
    expect(ids(cluster.members())).toEqual([cluster.nodeId]);
    expect(cluster.self).toMatchObject({ id: cluster.nodeId, status: 'up', capabilities: ['ai'] });
    expect(ids(await cluster.refresh())).toEqual([cluster.nodeId]);

    const updates = record(cluster);
    await cluster.markDraining();
    expect(cluster.self.status).toBe('draining');
    await cluster.waitFor((members) => members[0].status === 'draining');
    expect(updates.map((e) => [e.event, e.node.status])).toEqual([['update', 'draining']]);
  });

  it('rejects waitFor after the timeout, naming the members', async () => {
    app = await bootMember({}, FAST);
    const cluster = app.get(ClusterManager);
    await expect(cluster.waitFor((members) => members.length === 3, 300)).rejects.toThrow(
      /did not reach the awaited membership within 300 ms\. Members now: .+ \(up\)/,
    );
  });

  it('names a TTL shorter than three heartbeats at boot', async () => {
    await expect(bootMember({}, { heartbeatMs: 1000, ttlMs: 2000 })).rejects.toThrow(
      /ttlMs.*at least 3 × heartbeatMs/s,
    );
  });
});
