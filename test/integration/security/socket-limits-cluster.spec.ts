import { NODE_LEFT_TOPIC, PubSub, type NodeLeftMessage } from '@lattice/core';
import { SecureSocketLimits, type SocketLimitOptions } from '@lattice/security';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { TcpProxy } from '../../support/tcp-proxy';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { bootLimitsNode } from './fixtures/limits-app';
import type { SecurityApp } from './fixtures/security-app';

const PASSWORD = 'correct horse battery';
const MAX = 2;
const RATE = { messages: 20, perMs: 60_000 };
/** Long, so that only NODE_LEFT can explain a place freed at once. */
const LONG_LEASE_MS = 120_000;
const SHORT_LEASE_MS = 1_500;
const limits = (leaseMs = LONG_LEASE_MS): SocketLimitOptions => ({
  maxConnectionsPerUser: MAX,
  userRateLimit: RATE,
  leaseMs,
});

/** Registers on `url` (bearer delivery) and returns the access token. */
async function register(url: string): Promise<string> {
  const response = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      username: `u-${randomUUID().slice(0, 8)}`,
      password: PASSWORD,
      delivery: 'bearer',
    }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

/** A raw connection: its frames, how it closed, and whether it was welcomed. */
function connect(url: string, token: string) {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const frames: unknown[][] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  ws.on('error', () => undefined);
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const isWelcome = (f: unknown[]) => f[0] === 'sys' && f[1] === 'welcome';
  /** True once welcomed, false when it closes first. */
  const welcomed = async () => {
    await waitFor(() => frames.some(isWelcome) || ws.readyState > WebSocket.OPEN, {
      what: 'a welcome or a close',
    });
    return frames.some(isWelcome);
  };
  /** Sends a ping and resolves with whether it was answered (`reply`) or refused (`error`). */
  const ping = async (): Promise<'reply' | 'error'> => {
    const before = frames.length;
    const ref = randomUUID();
    ws.send(JSON.stringify(['sys', 'ping', null, ref]));
    const answer = await waitFor(
      () =>
        frames
          .slice(before)
          .find((f) => f[3] === ref || (f[1] === 'error' && f[0] === 'sys' && f[3] === undefined)),
      { what: `the answer to ping ${ref}` },
    );
    return answer[1] === 'reply' ? 'reply' : 'error';
  };
  return { ws, frames, closed, welcomed, ping };
}

const REFUSED = { code: 4429, reason: `too many connections: at most ${MAX} per user` };

describeWith(['mysql', 'redis'], 'WebSocket limits per user across two nodes (Redis)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let nodeA: SecurityApp;
  let nodeB: TsProcess;
  let urlB: string;
  const open: WebSocket[] = [];

  /** Another node in its own process; resolves with its URL and node id. */
  async function startNode(sockets: SocketLimitOptions) {
    const node = new TsProcess('test/integration/security/fixtures/limits-node.ts', {
      ...env,
      LOG_LEVEL: 'error',
      SOCKET_LIMITS: JSON.stringify(sockets),
    });
    const [, url, nodeId] = await node.waitFor(/listening (\S+) node (\S+)/, PROCESS_START_MS);
    return { node, url, nodeId };
  }

  const track = <T extends { ws: WebSocket }>(connection: T): T => {
    open.push(connection.ws);
    return connection;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('socket-limits'),
    };
    nodeA = await bootLimitsNode(env, limits()); // creates the tables before the others start
    ({ node: nodeB, url: urlB } = await startNode(limits()));
  }, PROCESS_TEST_MS);
  afterEach(() => open.splice(0).forEach((ws) => ws.close()));
  afterAll(async () => {
    await nodeB?.stop();
    await nodeA?.app.close();
    await database?.drop();
  });

  it('refuses a connection over the limit on either node (4429) and frees the place when one closes', async () => {
    expect(nodeA.app.get(SecureSocketLimits).clustered).toBe(true);
    const token = await register(nodeA.url);
    const first = track(connect(nodeA.url, token));
    expect(await first.welcomed()).toBe(true);
    const second = track(connect(urlB, token));
    expect(await second.welcomed()).toBe(true);
    // One on each node: a third is over the limit wherever it lands.
    const third = track(connect(nodeA.url, token));
    expect(await third.closed).toEqual(REFUSED);
    const fourth = track(connect(urlB, token));
    expect(await fourth.closed).toEqual(REFUSED);
    // Another user is not affected.
    const other = track(connect(urlB, await register(nodeA.url)));
    expect(await other.welcomed()).toBe(true);

    first.ws.close();
    await first.closed;
    // Node A frees the place in Redis right after the close; node B then takes it.
    const again = await waitFor(
      async () => {
        const attempt = track(connect(urlB, token));
        return (await attempt.welcomed()) && attempt;
      },
      { what: "node A's freed place to be taken on node B", intervalMs: 100 },
    );
    expect(again.ws.readyState).toBe(WebSocket.OPEN);
    const fifth = track(connect(nodeA.url, token));
    expect(await fifth.closed).toEqual(REFUSED);
  });

  it("holds a user's messages across both nodes to the limit, within the documented overshoot", async () => {
    const token = await register(nodeA.url);
    const onA = track(connect(nodeA.url, token));
    const onB = track(connect(urlB, token));
    expect([await onA.welcomed(), await onB.welcomed()]).toEqual([true, true]);
    const rate = nodeA.app.get(SecureSocketLimits).messageRate!;
    const answers: Array<'reply' | 'error'> = [];
    // Three times the limit, alternating between the nodes, each ping answered before the next.
    for (let i = 0; i < RATE.messages * 3; i++) answers.push(await (i % 2 ? onB : onA).ping());
    const admitted = answers.filter((a) => a === 'reply').length;
    // Each node may miss what the other admitted since its last exchange: flushEvery plus the
    // frames admitted during one round trip (here one, as each ping waits for its answer).
    const overshoot = (2 - 1) * (rate.flushEvery + 1);
    expect(admitted).toBeGreaterThanOrEqual(RATE.messages);
    expect(admitted).toBeLessThanOrEqual(RATE.messages + overshoot);
    // Per node, each would have admitted all 30 of its pings (its own bucket holds 20).
    expect(answers.slice(-10)).toEqual(Array(10).fill('error'));
  });

  it(
    "a killed node's connections stop counting once their lease runs out",
    async () => {
      const token = await register(nodeA.url);
      const { node, url } = await startNode(limits(SHORT_LEASE_MS));
      try {
        const held = [track(connect(url, token)), track(connect(url, token))];
        for (const c of held) expect(await c.welcomed()).toBe(true);
        expect(await track(connect(nodeA.url, token)).closed).toEqual(REFUSED);
        node.child.kill('SIGKILL');
        await node.exited;
        const taken = await waitFor(
          async () => {
            const attempt = track(connect(nodeA.url, token));
            return (await attempt.welcomed()) && attempt;
          },
          { what: "the killed node's leases to run out", intervalMs: 200 },
        );
        expect(taken.ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        await node.stop('SIGKILL');
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    "a node announced as left (NODE_LEFT_TOPIC) frees its connections' places at once",
    async () => {
      const token = await register(nodeA.url);
      const { node, url, nodeId } = await startNode(limits(LONG_LEASE_MS));
      try {
        const held = [track(connect(url, token)), track(connect(url, token))];
        for (const c of held) expect(await c.welcomed()).toBe(true);
        node.child.kill('SIGKILL');
        await node.exited;
        // Still counted: the lease is two minutes.
        expect(await track(connect(nodeA.url, token)).closed).toEqual(REFUSED);
        // What cluster membership publishes when the node's heartbeat expires.
        await nodeA.app
          .get(PubSub)
          .publish<NodeLeftMessage>(NODE_LEFT_TOPIC, { nodeId, reason: 'expired' });
        const taken = await waitFor(
          async () => {
            const attempt = track(connect(nodeA.url, token));
            return (await attempt.welcomed()) && attempt;
          },
          { what: 'the places of the node that left to be freed', intervalMs: 100 },
        );
        expect(taken.ws.readyState).toBe(WebSocket.OPEN);
      } finally {
        await node.stop('SIGKILL');
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'with Redis unreachable counts per node (no one refused for it, no crash), and across the cluster again once it is back',
    async () => {
      const proxy = await TcpProxy.start('127.0.0.1', 6379);
      const node = await bootLimitsNode(
        { ...env, REDIS_URL: `redis://${proxy.address}` },
        limits(SHORT_LEASE_MS),
      );
      try {
        const token = await register(nodeA.url);
        const nodeLimits = node.app.get(SecureSocketLimits);
        proxy.setMode('refuse');
        const held = [track(connect(node.url, token)), track(connect(node.url, token))];
        for (const c of held) expect(await c.welcomed()).toBe(true);
        expect(nodeLimits.degraded).toBe(true);
        // The node's own count still holds the limit, and frames are still admitted.
        expect(await track(connect(node.url, token)).closed).toEqual(REFUSED);
        expect(await held[0].ping()).toBe('reply');

        proxy.setMode('pass');
        // The lease renewal puts the node's connections into Redis: node A counts them again.
        await waitFor(() => !nodeLimits.degraded, { what: 'the limits to count in Redis again' });
        const refusedOnA = async () => {
          const attempt = track(connect(nodeA.url, token));
          if (!(await attempt.welcomed())) return true;
          attempt.ws.close(); // not yet: give the place back and ask again
          await attempt.closed;
          return false;
        };
        await waitFor(refusedOnA, {
          what: "node A to see the other node's connections",
          intervalMs: 200,
        });
        // And they keep counting past their first lease, because the node renews them.
        const admin = new Redis(TEST_REDIS_URL);
        try {
          const userId = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sub;
          const key = `${env.REDIS_KEY_PREFIX}security:socket-connections:${userId}`;
          const latest = async () =>
            Math.max(
              ...(await admin.zrange(key, 0, -1, 'WITHSCORES')).filter((_, i) => i % 2).map(Number),
            );
          const first = await latest();
          await waitFor(async () => (await latest()) > first + SHORT_LEASE_MS, {
            what: 'the node to renew its leases past the first one',
          });
          expect(await refusedOnA()).toBe(true);
        } finally {
          admin.disconnect();
        }
      } finally {
        await node.app.close();
        await proxy.close();
      }
    },
    PROCESS_TEST_MS,
  );
});
