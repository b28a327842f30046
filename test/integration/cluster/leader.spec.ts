import { LeaderElection, OnLeader } from '@lattice/cluster';
import { LATTICE_NODE_ID } from '@lattice/core';
import { Inject, Injectable, type INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import { startNode } from './lock-apps';

/** What every node's `@OnLeader()` method did, in the order it happened (one process, one log). */
const events: string[] = [];

@Injectable()
class LeaderWork {
  runs = 0;
  aborted = 0;
  lastReason: unknown;

  constructor(@Inject(LATTICE_NODE_ID) readonly nodeId: string) {}

  @OnLeader()
  async lead(signal: AbortSignal): Promise<void> {
    this.runs++;
    events.push(`${this.nodeId} elected`);
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.lastReason = signal.reason;
    this.aborted++;
    events.push(`${this.nodeId} lost`);
  }
}

const election = (app: INestApplicationContext) => app.get(LeaderElection);
const work = (app: INestApplicationContext) => app.get(LeaderWork);
const nodeIdOf = (app: INestApplicationContext) => app.get<string>(LATTICE_NODE_ID);

function startNodes(count: number, prefix: string, leaseMs: number, redisUrl = TEST_REDIS_URL) {
  return Promise.all(
    Array.from({ length: count }, () =>
      startNode({ redisUrl, prefix, cluster: { leader: { leaseMs } }, providers: [LeaderWork] }),
    ),
  );
}

async function theLeader(nodes: INestApplicationContext[], what = 'exactly one leader') {
  return waitFor(
    () => {
      const leaders = nodes.filter((node) => election(node).isLeader);
      return leaders.length === 1 ? leaders[0] : undefined;
    },
    { what },
  );
}

describeWith(['redis'], 'LeaderElection on Redis (real Redis, several nodes)', () => {
  const open: INestApplicationContext[] = [];
  afterAll(() => Promise.all(open.map((app) => app.close().catch(() => undefined))));

  it('elects exactly one leader that every node knows, and runs its @OnLeader method there only', async () => {
    const nodes = await startNodes(3, uniqueRedisPrefix('leader-one'), 1500);
    open.push(...nodes);
    const leader = await theLeader(nodes);
    await waitFor(() => nodes.every((node) => election(node).leaderId === nodeIdOf(leader)), {
      what: 'every node to know the leader',
    });
    expect(nodes.filter((node) => election(node).isLeader)).toHaveLength(1);
    expect(election(leader).term).toBeGreaterThanOrEqual(1);
    await waitFor(() => work(leader).runs === 1, { what: '@OnLeader to run on the leader' });
    expect(nodes.filter((node) => node !== leader).map((node) => work(node).runs)).toEqual([0, 0]);
  });

  // The lease is far longer than the wait: a takeover seen in time came from the handover, not
  // from the lease running out.
  const LONG_LEASE_MS = 60_000;

  it('hands over at once when the leader resigns, with a higher term, aborting its @OnLeader signal', async () => {
    const nodes = await startNodes(2, uniqueRedisPrefix('leader-resign'), LONG_LEASE_MS);
    open.push(...nodes);
    const first = await theLeader(nodes);
    const term = election(first).term;
    await election(first).resign();
    expect(election(first).isLeader).toBe(false);
    expect(work(first).aborted).toBe(1);
    expect(work(first).lastReason).toMatchObject({ code: 'LATTICE_CLUSTER_LEADERSHIP_LOST' });
    const second = await theLeader(nodes, 'the other node to take over');
    expect(second).not.toBe(first);
    expect(election(second).term).toBe(term + 1);
    await waitFor(() => work(second).runs === 1, { what: "the new leader's @OnLeader to run" });
  });

  it('hands over at once when the leader shuts down', async () => {
    const nodes = await startNodes(3, uniqueRedisPrefix('leader-close'), LONG_LEASE_MS);
    open.push(...nodes);
    const first = await theLeader(nodes);
    await first.close();
    const rest = nodes.filter((node) => node !== first);
    const second = await theLeader(rest, 'another node to take over');
    expect(election(second).term).toBe(2);
    expect(work(first).aborted).toBe(1);
  });

  it('a leader cut off from Redis stops leading before its lease ends, and another takes over', async () => {
    const prefix = uniqueRedisPrefix('leader-cut');
    const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(TEST_REDIS_URL).port || 6379));
    try {
      // The node behind the proxy starts first, so it leads.
      const [cut] = await startNodes(1, prefix, 1500, `redis://${proxy.address}`);
      open.push(cut);
      await waitFor(() => election(cut).isLeader, { what: 'the first node to lead' });
      const term = election(cut).term;
      const others = await startNodes(2, prefix, 1500);
      open.push(...others);
      await waitFor(() => others.every((node) => election(node).leaderId === nodeIdOf(cut)), {
        what: 'the others to see the leader',
      });

      proxy.setMode('silent'); // no error, no answer: its renewals vanish
      const next = await theLeader(others, 'another node to take over');
      expect(election(cut).isLeader).toBe(false);
      expect(election(next).term).toBeGreaterThan(term);
      // The old leader had stopped before the new one started: never two at once.
      const lost = events.indexOf(`${nodeIdOf(cut)} lost`);
      await waitFor(() => events.includes(`${nodeIdOf(next)} elected`), {
        what: "the new leader's @OnLeader",
      });
      expect(lost).toBeGreaterThanOrEqual(0);
      expect(lost).toBeLessThan(events.indexOf(`${nodeIdOf(next)} elected`));
      expect(work(cut).lastReason).toMatchObject({
        message: expect.stringContaining('no renewal reached Redis within its 1500 ms lease'),
      });
    } finally {
      proxy.setMode('pass');
      await Promise.all(open.splice(0).map((app) => app.close().catch(() => undefined)));
      await proxy.close();
    }
  });
});

describeWith(['redis'], 'LeaderElection when Redis is silent at shutdown', () => {
  it('still shuts down when Redis stops answering: the resignation and the unsubscription give up after the command deadline', async () => {
    const proxy = await TcpProxy.start('127.0.0.1', Number(new URL(TEST_REDIS_URL).port || 6379));
    const [node] = await startNodes(
      1,
      uniqueRedisPrefix('leader-gone'),
      1500,
      `redis://${proxy.address}`,
    );
    await waitFor(() => election(node).isLeader, { what: 'the node to lead' });
    proxy.setMode('silent'); // no answer: the subscriber connection (no deadline) would wait forever
    await node.close(); // resolves (the test's own timeout would fail it otherwise)
    expect(election(node).isLeader).toBe(false);
    expect(work(node).aborted).toBe(1);
    await proxy.close();
  });
});

describe('LeaderElection without Redis', () => {
  it('is always the leader: @OnLeader runs at bootstrap and its signal aborts at shutdown', async () => {
    const app = await startNode({ prefix: 'unused:', providers: [LeaderWork] });
    expect(election(app).isLeader).toBe(true);
    expect(election(app).leaderId).toBe(nodeIdOf(app));
    await waitFor(() => work(app).runs === 1, { what: '@OnLeader to run' });
    const leaderWork = work(app);
    await app.close();
    expect(leaderWork.aborted).toBe(1);
  });
});
