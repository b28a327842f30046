import {
  ClusterManager,
  LeaderElection,
  OnLeader,
  type ClusterModuleOptions,
  type ClusterNode,
} from '@lattice/cluster';
import { LATTICE_NODE_ID, RedisConnections } from '@lattice/core';
import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import { startNode } from './lock-apps';

/**
 * Fast beats and a short lease, so an observer goes through many rounds in which it could have
 * joined or campaigned; TTLs with room to spare for a busy CI box (all nodes share one event loop).
 */
const FAST: ClusterModuleOptions = {
  heartbeatMs: 100,
  suspectAfterMs: 1000,
  ttlMs: 2000,
  leader: { leaseMs: 600 },
};
const OBSERVER: ClusterModuleOptions = { ...FAST, observe: true, capabilities: ['ai'] };

/** Counts the runs of its `@OnLeader()` method in each node. */
@Injectable()
class LeaderWork {
  runs = 0;
  constructor(@Inject(LATTICE_NODE_ID) readonly nodeId: string) {}

  @OnLeader()
  async lead(signal: AbortSignal): Promise<void> {
    this.runs++;
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
  }
}

const cluster = (app: INestApplicationContext) => app.get(ClusterManager);
const election = (app: INestApplicationContext) => app.get(LeaderElection);
const work = (app: INestApplicationContext) => app.get(LeaderWork);
const ids = (nodes: ClusterNode[]) => nodes.map((node) => node.id).sort();

/** Resolves after `count` more beats of `manager` (each beat re-checks the waiters). */
async function beats(manager: ClusterManager, count: number): Promise<void> {
  let seen = -1; // the first check is the call itself
  await manager.waitFor(() => ++seen >= count, 15_000);
}

describeWith(['redis'], 'ClusterModule observe: true (real Redis)', () => {
  const open: INestApplicationContext[] = [];
  const start = (prefix: string, options: ClusterModuleOptions) => {
    const app = startNode({
      redisUrl: TEST_REDIS_URL,
      prefix,
      cluster: options,
      providers: [LeaderWork],
    });
    void app.then((started) => open.push(started));
    return app;
  };
  afterAll(() => Promise.all(open.map((app) => app.close().catch(() => undefined))));

  it('sees the members and their events, but no member lists it and route() never picks it', async () => {
    const prefix = uniqueRedisPrefix('observer-members');
    const observer = await start(prefix, OBSERVER);
    const joined: string[] = [];
    const left: string[] = [];
    cluster(observer).on('join', (node) => joined.push(node.id));
    cluster(observer).on('leave', (node) => left.push(node.id));
    const [a, b] = await Promise.all([
      start(prefix, { ...FAST, capabilities: ['ai'] }),
      start(prefix, { ...FAST, role: 'worker' }),
    ]);
    const members = [cluster(a).nodeId, cluster(b).nodeId].sort();

    await cluster(observer).waitFor((nodes) => ids(nodes).join() === members.join());
    await cluster(a).waitFor((nodes) => nodes.length === 2);
    // Many beats later the observer has still written nothing.
    await beats(cluster(observer), 10);
    expect(ids(await cluster(observer).refresh())).toEqual(members);
    expect(ids(await cluster(a).refresh())).toEqual(members);
    expect(ids(await cluster(b).refresh())).toEqual(members);
    expect(cluster(observer).observing).toBe(true);
    expect(joined.sort()).toEqual(members);
    // Both have the capability, only the member is ever chosen; the observer routes to it too.
    for (let i = 0; i < 20; i++) {
      expect(cluster(a).route('ai', `key-${i}`)?.id).toBe(cluster(a).nodeId);
      expect(cluster(observer).route('ai', `key-${i}`)?.id).toBe(cluster(a).nodeId);
    }
    expect(cluster(observer).owner('some-key').id).toBe(cluster(a).nodeId);
    const registry = await observer
      .get(RedisConnections)
      .get()
      .hkeys(observer.get(RedisConnections).key('cluster', 'nodes'));
    expect(registry.sort()).toEqual(members);

    const gone = cluster(b).nodeId;
    await b.close();
    await waitFor(() => left.includes(gone), { what: 'the observer to see the worker leave' });
    expect(ids(cluster(observer).members())).toEqual([cluster(a).nodeId]);
  });

  it('knows the leader but never leads, even alone, and never runs @OnLeader methods', async () => {
    const prefix = uniqueRedisPrefix('observer-leader');
    const observer = await start(prefix, OBSERVER);
    const redis = observer.get(RedisConnections);
    // Alone for many lease rounds (a round is leaseMs / 3 = 200 ms, a beat 100 ms).
    await beats(cluster(observer), 15);
    expect(election(observer).isLeader).toBe(false);
    expect(election(observer).leaderId).toBeUndefined();
    expect(await election(observer).refresh()).toBeUndefined();
    expect(await redis.get().exists(redis.key('cluster', 'leader'))).toBe(0);
    expect(work(observer).runs).toBe(0);

    const member = await start(prefix, FAST);
    const memberId = cluster(member).nodeId;
    await waitFor(() => election(member).isLeader, { what: 'the member to lead' });
    await waitFor(() => election(observer).leaderId === memberId, {
      what: 'the observer to learn the leader',
    });
    expect(await election(observer).refresh()).toBe(memberId);
    expect(election(observer).term).toBe(election(member).term);
    await waitFor(() => work(member).runs === 1, { what: '@OnLeader to run on the member' });

    // The leader resigns on close: the observer sees the lease free and still does not take it.
    await member.close();
    await waitFor(() => election(observer).leaderId === undefined, {
      what: 'the observer to see the lease given back',
    });
    await beats(cluster(observer), 15);
    expect(election(observer).isLeader).toBe(false);
    expect(await redis.get().exists(redis.key('cluster', 'leader'))).toBe(0);
    expect(work(observer).runs).toBe(0);
  });
});

describe('ClusterModule observe: true without Redis', () => {
  it('is a cluster of nobody: no members, no leader, no @OnLeader run', async () => {
    const observer = await startNode({
      prefix: 'observer-memory',
      cluster: OBSERVER,
      providers: [LeaderWork],
    });
    const member = await startNode({
      prefix: 'observer-memory',
      cluster: FAST,
      providers: [LeaderWork],
    });
    try {
      expect(await cluster(observer).refresh()).toEqual([]);
      expect(election(observer).isLeader).toBe(false);
      expect(await election(observer).refresh()).toBeUndefined();
      expect(cluster(observer).route('ai')).toBeUndefined();
      // The same module without observe is a cluster of one, and its leader.
      expect(ids(await cluster(member).refresh())).toEqual([cluster(member).nodeId]);
      expect(election(member).isLeader).toBe(true);
      await waitFor(() => work(member).runs === 1, { what: '@OnLeader to run on the member' });
      expect(work(observer).runs).toBe(0);
    } finally {
      await Promise.all([observer.close(), member.close()]);
    }
  });
});
