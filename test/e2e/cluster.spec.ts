import {
  CLUSTER_MODULE_OPTIONS,
  ClusterManager,
  DistributedLock,
  FencedWrites,
  LeaderElection,
  LockTimeoutError,
  StaleFenceError,
  type ClusterNode,
  type ResolvedClusterOptions,
} from '@lattice/cluster';
import { RedisConnections } from '@lattice/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { bootMember } from '../integration/cluster/fixtures/membership-app';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { startCluster, type LatticeCluster } from '../support/cluster-harness';
import { describeWith } from '../support/describe-with';
import { Haproxy, haproxyAvailable } from '../support/haproxy';
import { freePort, TsProcess } from '../support/processes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json, signUp } from '../support/http';
import { Page as LiveClient } from '../support/live-page';
import { EventsClient, type ChannelMessage } from '@lattice/events/client';
import { SocketClient, type WebSocketFactory } from '@lattice/socket';
import WebSocket from 'ws';
import { servicesRequired } from '../support/services';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../support/wait';

/**
 * Three Forum processes on one Redis and one MariaDB database behind HAProxy (decision 0046):
 * requests spread over them, a node killed with SIGKILL leaves the rotation, and the live pages
 * it served reconnect through the balancer to another node and catch up exactly; the leadership
 * it held moves to another node with a higher term, and a lock a killed holder held expires and
 * its fencing token is refused afterwards.
 */

for (const [name, check] of [
  ['HAProxy', haproxyAvailable()],
  ['Chromium', browserAvailable()],
] as const) {
  if (check.up) continue;
  if (servicesRequired())
    throw new Error(`${name} is required for the cluster tests: ${check.detail}`);
  process.stdout.write(`Skipped the cluster tests: ${check.detail}\n`);
}
const tools = haproxyAvailable().up && browserAvailable().up;
/** A suite that needs MariaDB, Redis, HAProxy and Chromium (skipped locally when one is missing). */
const describeCluster = (name: string, suite: () => void) =>
  tools ? describeWith(['mysql', 'redis'], name, suite) : describe.skip(name, suite);

/** The node that answered, as HAProxy names it (`n1`…) in the `X-Lattice-Backend` header. */
function backendOf(headers: Record<string, string>): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === 'x-lattice-backend');
  return key ? headers[key] : undefined;
}

/** A Chromium page and the node behind each WebSocket it opened, in order. */
interface LivePage {
  page: Page;
  context: BrowserContext;
  /** One entry per WebSocket handshake: the node that accepted it. */
  sockets: string[];
  errors: string[];
}

describeCluster('three Forum nodes behind HAProxy', () => {
  let cluster: LatticeCluster;
  let chromium: Browser;
  /** A fourth member in the test process (a `worker`, so not one of the web nodes): its view of the cluster. */
  let observer: INestApplicationContext;
  let membership: ClusterManager;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    chromium = await launchBrowser();
    cluster = await startCluster({ nodes: 3 });
    observer = await bootMember(
      { REDIS_URL: cluster.env.REDIS_URL, REDIS_KEY_PREFIX: cluster.env.REDIS_KEY_PREFIX },
      { role: 'worker' },
    );
    membership = observer.get(ClusterManager);
    // The observer watches the leader lease but must never hold it (the leader is always a Forum
    // node). LeaderElection has no spectator mode: stop its campaign as shutdown does (a campaign
    // already on its way that wins gives the lease straight back).
    await observer.get(LeaderElection).beforeApplicationShutdown();
  }, 2 * PROCESS_TEST_MS);
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await chromium?.close();
    await observer?.close();
    await cluster?.stop();
  });

  /** The ports of the web members, as the observer sees them. */
  const webPorts = (members: ClusterNode[]) =>
    members
      .filter((m) => m.role === 'web')
      .map((m) => m.port)
      .sort();

  /** The leader lease as Redis holds it (the key LeaderElection campaigns on) and its term. */
  async function leaderLease(): Promise<{ id: string | null; term: number }> {
    const redis = observer.get(RedisConnections);
    const client = redis.get('cluster-e2e');
    const [id, term] = await Promise.all([
      client.get(redis.key('cluster', 'leader')),
      client.get(redis.key('cluster', 'leader', 'term')),
    ]);
    return { id, term: Number(term ?? 0) };
  }

  /** The live Forum node whose LATTICE_NODE_ID (`<host>-<pid>-<random>`) is `id`. */
  const forumNode = (id: string | null) =>
    id ? cluster.nodes.find((n) => n.alive && id.includes(`-${n.pid}-`)) : undefined;

  /** Connected, and every live root joined. */
  const live = (page: Page) =>
    page.waitForFunction(
      () =>
        document.documentElement.classList.contains('l-connected') &&
        (
          window as unknown as { lattice?: { roots: Array<{ live: boolean }> } }
        ).lattice?.roots.every((r) => r.live),
    );

  /** Opens `path` through the balancer in a fresh browser context, live. */
  async function open(path: string): Promise<LivePage> {
    const context = await chromium.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    const sockets: string[] = [];
    // The 101's headers are not visible to page scripts; the DevTools protocol sees them.
    const cdp = await context.newCDPSession(page);
    cdp.on('Network.webSocketHandshakeResponseReceived', ({ response }) =>
      sockets.push(backendOf(response.headers as Record<string, string>) ?? '?'),
    );
    await cdp.send('Network.enable');
    await page.goto(`${cluster.url}${path}`);
    await live(page);
    await waitFor(() => sockets.length > 0, { what: `the WebSocket of ${path}` });
    return { page, context, sockets, errors };
  }

  it('spreads requests over the three nodes, and a token signed on one is accepted by the others', async () => {
    // Round robin over the servers HAProxy sees up: a check that is slow on a loaded machine can
    // take a node out for a moment, so keep asking until every node has answered.
    const seen = new Set<string>();
    await waitFor(
      async () => {
        const response = await fetch(`${cluster.url}/health/ready`);
        expect(response.status).toBe(200);
        seen.add(response.headers.get('x-lattice-backend')!);
        return seen.size === 3;
      },
      { what: () => `answers from n1, n2 and n3 (so far: ${[...seen].join(', ')})` },
    );
    expect([...seen].sort()).toEqual(['n1', 'n2', 'n3']);
    // Shared JWT_SECRET: the member's token works on every node, straight or through the balancer.
    const member = await signUp(cluster.url, 'Cluster Member');
    for (const node of cluster.nodes) {
      const me = await fetch(`${node.url}/auth/me`, {
        headers: { authorization: `Bearer ${member.accessToken}` },
      });
      expect({ node: node.name, status: me.status }).toEqual({ node: node.name, status: 200 });
    }
  });

  it('a sticky variant: HAProxy with a cookie keeps a client on its node, and moves it when that node is out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-sticky-'));
    const sticky = await Haproxy.start({
      dir,
      port: await freePort(),
      servers: cluster.nodes.map((n) => ({ name: n.name, port: n.port })),
      sticky: true,
    });
    try {
      await waitFor(async () =>
        Object.values(await sticky.serverStatus()).every((s) => s === 'UP'),
      );
      const first = await fetch(`${sticky.url}/health/ready`);
      const node = first.headers.get('x-lattice-backend')!;
      const cookie = first.headers.get('set-cookie')!.split(';')[0];
      expect(cookie).toBe(`LATTICE_NODE=${node}`);
      for (let i = 0; i < 6; i++) {
        const again = await fetch(`${sticky.url}/health/ready`, { headers: { cookie } });
        expect(again.headers.get('x-lattice-backend')).toBe(node);
      }
      // Its node out of the rotation (maintenance here; dead or draining alike): another one, and a new cookie.
      await sticky.command(`disable server forum/${node}`);
      const moved = await fetch(`${sticky.url}/health/ready`, { headers: { cookie } });
      expect(moved.status).toBe(200);
      expect(moved.headers.get('x-lattice-backend')).not.toBe(node);
      expect(moved.headers.get('set-cookie')).toMatch(/^LATTICE_NODE=n\d/);
    } finally {
      await sticky.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lists the three nodes as members, with their ports and load', async () => {
    const ports = cluster.nodes.map((n) => n.port).sort();
    const members = await membership.waitFor(
      (m) => JSON.stringify(webPorts(m)) === JSON.stringify(ports),
    );
    for (const member of members.filter((m) => m.role === 'web'))
      expect(member).toMatchObject({
        status: 'up',
        version: expect.any(String),
        load: { connections: expect.any(Number) },
      });
  });

  it(
    'kill -9 the leader node: it leaves the membership within the TTL, HAProxy drops it, no request through the balancer fails, its Chromium pages reconnect to another node and catch up exactly, and another node becomes leader with a higher term',
    async () => {
      const question = (await json(await fetch(`${cluster.url}/questions?limit=1`))).items[0].id;
      const member = await signUp(cluster.url, 'Failover Member');

      // The victim: the leader (one of the Forum nodes holds the lease; the observer does not campaign).
      const leaseMs = observer.get<ResolvedClusterOptions>(CLUSTER_MODULE_OPTIONS).leader.leaseMs;
      const victim = (
        await waitFor(async () => forumNode((await leaderLease()).id), {
          what: 'a Forum node to hold the leader lease',
          timeoutMs: leaseMs + 5000,
        })
      ).name;
      // Pages until at least two nodes hold some, the victim among them (round robin spreads them).
      const pages: LivePage[] = [];
      const nodesOf = () => new Set(pages.map((p) => p.sockets.at(-1)));
      while (pages.length < 4 || nodesOf().size < 2 || !nodesOf().has(victim)) {
        if (pages.length >= 12)
          throw new Error(`Pages landed on ${[...nodesOf()]}, none on the leader ${victim}`);
        pages.push(await open(`/q/${question}`));
      }
      const onVictim = pages.filter((p) => p.sockets.at(-1) === victim);
      const survivors = cluster.nodes.filter((n) => n.name !== victim).map((n) => n.name);
      const answersBefore = Number(await pages[0].page.locator('.answer-count').innerText());
      const scoreBefore = Number(await pages[0].page.locator('.score').innerText());

      // HTTP through the balancer all along: none may fail.
      let loading = true;
      const failures: string[] = [];
      let served = 0;
      const load = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (loading) {
            try {
              const response = await fetch(`${cluster.url}/questions/${question}`);
              await response.arrayBuffer();
              if (response.status === 200) served++;
              else failures.push(`HTTP ${response.status}`);
            } catch (error) {
              failures.push(String((error as Error).cause ?? error));
            }
          }
        }),
      );
      await waitFor(() => served >= 20, { what: 'requests to flow through the balancer' });

      const victimPort = cluster.node(victim).port;
      expect(webPorts(membership.members())).toContain(victimPort);
      const lease = await leaderLease();
      expect(forumNode(lease.id)?.name).toBe(victim);
      const exit = await cluster.node(victim).kill('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      const killedAt = Date.now();
      // Written while the victim's pages are cut off (their reconnect waits a random delay first).
      const answer = await member.client.post(`/questions/${question}/answers`, {
        body: 'Written while a node of the cluster was down.',
      });
      expect(answer.status).toBe(201);
      const answerId = (await json(answer)).id as number;
      expect((await member.client.post(`/questions/${question}/votes`, { value: 1 })).status).toBe(
        201,
      );

      // The lease is not renewed any more: once it ends, a survivor's next campaign (every lease / 3)
      // takes it with a new term. Deadline: lease + lease / 3 plus a margin for a loaded machine.
      const next = await waitFor(
        async () => {
          const now = await leaderLease();
          return now.id && now.id !== lease.id ? now : undefined;
        },
        { what: 'another node to take the leader lease', timeoutMs: leaseMs + leaseMs / 3 + 5000 },
      );
      process.stdout.write(
        `the leader moved from ${victim} to ${forumNode(next.id)?.name} ${Date.now() - killedAt} ms after kill -9 (lease ${leaseMs} ms)\n`,
      );
      expect(survivors).toContain(forumNode(next.id)?.name);
      expect(next.term).toBeGreaterThan(lease.term);

      // The others drop it from the membership (no goodbye: its heartbeats stop). The deadline is
      // the TTL plus a margin for a loaded machine; bench/cluster/failover.ts measures the real time.
      const ttlMs = membership.settings.ttlMs;
      await membership.waitFor((m) => !webPorts(m).includes(victimPort), ttlMs + 5000);
      process.stdout.write(
        `node ${victim} left the membership ${Date.now() - killedAt} ms after kill -9 (ttl ${ttlMs} ms)\n`,
      );
      expect(webPorts(membership.members())).toEqual(
        cluster.nodes
          .filter((n) => n.name !== victim)
          .map((n) => n.port)
          .sort(),
      );
      // HAProxy's checks take the dead node out of the rotation.
      await cluster.waitForRotation(survivors);
      const servedBefore = served;
      await waitFor(() => served >= servedBefore + 20, { what: 'requests after the node left' });
      loading = false;
      await load;
      expect(failures).toEqual([]);

      // Each of the victim's pages opened a new socket, on a surviving node, through the balancer.
      for (const p of onVictim) {
        await waitFor(() => p.sockets.length >= 2, { what: 'the page to reconnect' });
        expect(survivors).toContain(p.sockets.at(-1));
        await live(p.page);
      }
      // Every page shows the answer once and the vote once: caught up exactly.
      for (const p of pages) {
        await p.page.waitForFunction(
          ([answers, score]) =>
            document.querySelector('.answer-count')?.textContent === answers &&
            document.querySelector('.score')?.textContent === score,
          [String(answersBefore + 1), String(scoreBefore + 1)] as const,
        );
        expect(await p.page.locator(`#a${answerId}`).count()).toBe(1);
        expect(await p.page.locator('.answers li').count()).toBe(answersBefore + 1);
      }
      // The pages on the surviving nodes kept their socket.
      for (const p of pages.filter((p) => !onVictim.includes(p))) expect(p.sockets).toHaveLength(1);
      // A dropped connection is reported in the console by Chromium itself; nothing else is allowed.
      const errors = pages
        .flatMap((p) => p.errors)
        .filter((e) => !/WebSocket connection to .* failed/.test(e));
      expect(errors).toEqual([]);
    },
    PROCESS_TEST_MS,
  );

  it(
    "kill -9 a lock holder: its lease expires, the next holder gets a higher fence, and a write with the dead holder's fence is refused",
    async () => {
      const locks = observer.get(DistributedLock);
      const fenced = observer.get(FencedWrites);
      const redis = observer.get(RedisConnections);
      const lockKey = 'forum:test-fence';
      const ttlMs = 2000;
      const holder = new TsProcess('test/e2e/fixtures/lock-holder.ts', {
        REDIS_URL: cluster.env.REDIS_URL,
        REDIS_KEY_PREFIX: cluster.env.REDIS_KEY_PREFIX,
        LOCK_KEY: lockKey,
        LOCK_TTL_MS: String(ttlMs),
        FENCED_KEY: 'forum:test-fence:value',
      });
      try {
        const printed = await holder.waitFor(/^\{"fence":\d+\}$/m, PROCESS_START_MS);
        const old = (JSON.parse(printed[0]) as { fence: number }).fence;
        const valueKey = redis.key('forum:test-fence:value');
        expect(await fenced.get(valueKey)).toBe('written by the first holder');
        // Held: its lease is renewed while it lives.
        await expect(locks.acquire(lockKey, { acquireTimeoutMs: 0 })).rejects.toBeInstanceOf(
          LockTimeoutError,
        );

        expect((await holder.stop('SIGKILL')).signal).toBe('SIGKILL');
        const killedAt = Date.now();
        // No release: the lease runs out within its TTL (plus a margin for a loaded machine).
        const lock = await locks.acquire(lockKey, { ttlMs, acquireTimeoutMs: ttlMs + 5000 });
        try {
          process.stdout.write(
            `the lock of the killed holder was taken over ${Date.now() - killedAt} ms after kill -9 (ttl ${ttlMs} ms)\n`,
          );
          expect(lock.fence).toBeGreaterThan(old);
          await fenced.set(valueKey, 'written by the next holder', lock.fence);
          // The dead holder's token is stale now: refused, and the value stays the new holder's.
          await expect(fenced.set(valueKey, 'late write', old)).rejects.toBeInstanceOf(
            StaleFenceError,
          );
          expect(await fenced.trySet(valueKey, 'late write', old)).toBe(false);
          expect(await fenced.get(valueKey)).toBe('written by the next holder');
        } finally {
          await lock.release();
        }
      } finally {
        await holder.stop('SIGKILL');
      }
    },
    PROCESS_TEST_MS,
  );

  it(
    'drain under load: SIGTERM one of three nodes while 200 clients (150 channel subscribers, 50 live pages) and HTTP loops run through HAProxy: no request fails, every client resumes exactly, exit code 0',
    async () => {
      // Back to three nodes after the kill -9 test (a spare slot of the balancer).
      if (cluster.nodes.filter((n) => n.alive).length < 3) await cluster.addNode();
      const nodes = cluster.nodes.filter((n) => n.alive);
      expect(nodes).toHaveLength(3);
      await membership.waitFor((m) => webPorts(m).length === 3);
      const [watched, voted] = (await json(await fetch(`${cluster.url}/questions?limit=3`))).items
        .slice(1)
        .map((q: { id: number }) => q.id);
      const member = await signUp(cluster.url, 'Drain Member');

      // Each client counts the times its connection dropped, and its resubscriptions/rejoins.
      const channels: Array<{
        socket: SocketClient;
        messages: ChannelMessage[];
        subscribed: number;
        drops: number;
      }> = [];
      const pages: Array<{ page: LiveClient; drops: number }> = [];
      const countDrops = (socket: SocketClient, entry: { drops: number }) =>
        socket.on('state', (state) => {
          if (state === 'closed') entry.drops++;
        });
      try {
        for (let i = 0; i < 150; i++) {
          const socket = new SocketClient(`ws://${cluster.host}/socket`, {
            WebSocket: WebSocket as unknown as WebSocketFactory,
            timeoutMs: 10_000,
          }).connect();
          const entry = { socket, messages: [] as ChannelMessage[], subscribed: 0, drops: 0 };
          countDrops(socket, entry);
          const subscription = new EventsClient(socket).subscribe(`question.${watched}`);
          subscription.listen('*', (message) => entry.messages.push(message as ChannelMessage));
          subscription.on('subscribed', () => entry.subscribed++);
          channels.push(entry);
        }
        // 50 live pages (the browser runtime's protocol, in Node), each from its own HTML (its
        // own live topic and token, as each page load in a browser), through the balancer.
        for (let i = 0; i < 50; i += 10) {
          const batch = Array.from({ length: 10 }, async () => {
            const markup = await (await fetch(`${cluster.url}/q/${watched}`)).text();
            const entry = { page: LiveClient.fromHtml(cluster.host, markup), drops: 0 };
            countDrops(entry.page.client, entry);
            pages.push(entry);
            await entry.page.join();
          });
          await Promise.all(batch);
        }
        await waitFor(() => channels.every((c) => c.subscribed === 1), {
          what: 'every channel client to subscribe',
        });
        const answersBefore = Number(
          /<span class="answer-count">(\d+)/.exec(pages[0].page.html)![1],
        );

        // HTTP all along: reads, and a member's writes.
        let loading = true;
        const failures: string[] = [];
        let served = 0;
        const loop = (send: () => Promise<Response>) => async () => {
          while (loading) {
            try {
              const response = await send();
              await response.arrayBuffer();
              if (response.status < 400) served++;
              else
                failures.push(
                  `HTTP ${response.status} from ${response.headers.get('x-lattice-backend')}`,
                );
            } catch (error) {
              failures.push(String((error as Error).cause ?? error));
            }
          }
        };
        let vote = 1;
        const load = Promise.all([
          ...Array.from(
            { length: 6 },
            loop(() => fetch(`${cluster.url}/questions?limit=5`)),
          ),
          loop(() => fetch(`${cluster.url}/q/${watched}`))(),
          loop(() => member.client.post(`/questions/${voted}/votes`, { value: (vote = -vote) }))(),
        ]);
        await waitFor(() => served >= 50, { what: 'requests to flow through the balancer' });

        const victim = nodes[1];
        const others = nodes.filter((n) => n !== victim).map((n) => n.name);
        const started = Date.now();
        victim.process.child.kill('SIGTERM');
        // Written while the node drains: every client must get it exactly once.
        const answer = await member.client.post(`/questions/${watched}/answers`, {
          body: 'Written while a node was draining.',
        });
        expect(answer.status).toBe(201);
        const answerId = (await json(answer)).id as number;

        const exit = await victim.exited;
        process.stdout.write(
          `node ${victim.name} drained and exited in ${Date.now() - started} ms\n`,
        );
        expect(exit).toEqual({ code: 0, signal: null });
        await cluster.waitForRotation(others);
        await membership.waitFor((m) => !webPorts(m).includes(victim.port));
        const servedBefore = served;
        await waitFor(() => served >= servedBefore + 50, { what: 'requests after the drain' });
        loading = false;
        await load;
        expect(failures).toEqual([]);

        // The clients whose connection dropped (those on the drained node) came back as many
        // times as they dropped, and every client has the answer exactly once.
        const dropped = [...channels, ...pages].filter((c) => c.drops > 0);
        expect(dropped.length).toBeGreaterThan(0);
        await waitFor(
          () =>
            channels.every((c) => c.socket.state === 'open' && c.subscribed === c.drops + 1) &&
            pages.every((p) => p.page.client.state === 'open' && p.page.rejoins.length === p.drops),
          {
            what: () =>
              `every client to come back (${channels.filter((c) => c.subscribed < c.drops + 1).length} channel clients and ${pages.filter((p) => p.page.rejoins.length < p.drops).length} pages not yet)`,
          },
        );
        const posted = (c: { messages: ChannelMessage[] }) =>
          c.messages.filter(
            (m) => m.event === 'answer.posted' && (m.data as { id: number }).id === answerId,
          );
        await waitFor(() => channels.every((c) => posted(c).length >= 1), {
          what: 'every channel client to receive the answer',
        });
        for (const c of channels) {
          expect(posted(c)).toHaveLength(1);
          // Resumed from its offset: no event twice, in order.
          const offsets = c.messages.map((m) => m.offset);
          expect(offsets).toEqual([...new Set(offsets)].sort((a, b) => a - b));
        }
        const caughtUp = (html: string) =>
          html.split(`id="a${answerId}"`).length === 2 &&
          html.includes(`<span class="answer-count">${answersBefore + 1}</span>`);
        await waitFor(() => pages.every(({ page }) => caughtUp(page.html)), {
          what: () =>
            `every page to show the answer once; not yet: ${JSON.stringify(
              pages
                .map(({ page, drops }, index) => ({
                  index,
                  drops,
                  rejoins: page.rejoins.length,
                  frames: page.frames.length,
                  ok: caughtUp(page.html),
                }))
                .filter((p) => !p.ok),
            )}`,
        });
        process.stdout.write(
          `${dropped.length} of ${channels.length + pages.length} clients were on the drained node and resumed\n`,
        );
      } finally {
        for (const c of channels) c.socket.close();
        for (const { page } of pages) page.client.close();
      }
    },
    2 * PROCESS_TEST_MS,
  );
});
