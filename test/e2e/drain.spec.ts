import { ChannelSubscription, EventsClient, type ChannelMessage } from '@lattice/events/client';
import { SocketClient, type ReconnectHint, type WebSocketFactory } from '@lattice/socket';
import type { IncomingMessage } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { describeWith } from '../support/describe-with';
import { signUp, type ApiClient } from '../support/http';
import { freePort, TsProcess } from '../support/processes';
import { servicesRequired, TEST_REDIS_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import {
  createTestDatabase,
  type TestDatabase,
  uniqueRedisPrefix,
} from '../support/test-resources';
import { PROCESS_START_MS, waitFor } from '../support/wait';

/**
 * Draining a node (decision 0044), on one node and its neighbour behind a small balancer (the
 * three-node version under load, behind HAProxy, is test/e2e/cluster*.spec.ts): SIGTERM makes
 * the node refuse new upgrades (503), hand every open connection over (a `sys` 'reconnect' hint
 * with a jittered delay, then close 1012), answer HTTP while it drains and exit 0. The clients
 * reconnect through the balancer to the other node and resume exactly: an events channel from
 * its offset, a live page in Chromium from the server's state, with what happened meanwhile.
 */

const CLIENTS = 20;

const browser = browserAvailable();
if (!browser.up && servicesRequired())
  throw new Error(`Chromium is required for the drain test: ${browser.detail}`);

/** A Node client on the Lattice protocol (the browser's SocketClient over `ws`), recording its socket's life. */
function client(url: string, question: number) {
  const closes: number[] = [];
  const hints: ReconnectHint[] = [];
  let sockets = 0;
  class RecordingWebSocket extends WebSocket {
    constructor(target: string) {
      super(target);
      sockets++;
      this.addEventListener('close', (event) => closes.push(event.code));
    }
  }
  const socket = new SocketClient(url, {
    WebSocket: RecordingWebSocket as unknown as WebSocketFactory,
    timeoutMs: 5000,
  }).connect();
  socket.on('reconnect', (hint) => hints.push(hint as ReconnectHint));
  const subscription: ChannelSubscription = new EventsClient(socket).subscribe(
    `question.${question}`,
  );
  const messages: ChannelMessage[] = [];
  subscription.listen('*', (message) => messages.push(message as ChannelMessage));
  let subscribed = 0;
  subscription.on('subscribed', () => subscribed++);
  return {
    socket,
    subscription,
    messages,
    closes,
    hints,
    get sockets() {
      return sockets;
    },
    get subscribed() {
      return subscribed;
    },
  };
}

/** Tries a WebSocket upgrade straight at a node: the status it answered, or the socket error. */
async function upgrade(
  url: string,
): Promise<{ status: number; retryAfter?: string } | { error: string }> {
  const ws = new WebSocket(url);
  const outcome = await new Promise<{ status: number; retryAfter?: string } | { error: string }>(
    (resolve) => {
      ws.once('open', () => resolve({ status: 101 }));
      ws.once('unexpected-response', (_req, res: IncomingMessage) =>
        resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }),
      );
      ws.once('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.code ?? error.message }),
      );
    },
  );
  ws.on('error', () => undefined);
  ws.terminate();
  return outcome;
}

describeWith(['mysql', 'redis'], 'draining a node', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  const nodes: TsProcess[] = [];
  let proxy: TcpProxy | undefined;
  let chromium: Browser | undefined;
  const clients: Array<ReturnType<typeof client>> = [];

  const startNode = async (extra: Record<string, string> = {}) => {
    const port = await freePort();
    const node = new TsProcess('src/main.ts', {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      ...extra,
    });
    nodes.push(node);
    await node.waitFor(/ready on http/, PROCESS_START_MS);
    return { node, port, url: `http://127.0.0.1:${port}` };
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('drain'),
      // Shared by both nodes: a token or a live page signed by one is good on the other.
      JWT_SECRET: 'drain-test-jwt-secret-of-more-than-32-bytes',
      LIVE_SECRET: 'drain-test-live-secret-of-more-than-32-characters',
      FORUM_SEED_ON_START: 'never',
    };
    // The Forum migrates only SQLite at start; MySQL is migrated by the command line.
    const migrate = new TsProcess('src/cli.ts', env, ['db:migrate']);
    const exit = await migrate.exited;
    if (exit.code !== 0) throw new Error(`db:migrate failed:\n${migrate.output.stderr}`);
  }, PROCESS_START_MS);

  afterAll(async () => {
    for (const c of clients) c.socket.close();
    await chromium?.close();
    await proxy?.close();
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await database?.drop();
  });

  it('refuses new sockets, hands every connection over spread out (hint + 1012), answers HTTP, exits 0; the clients resume on the other node exactly', async () => {
    // A drains; B takes over. The delay is what a balancer polling readiness needs; here it is
    // the time in which A is still listening but refuses upgrades.
    const a = await startNode({ FORUM_SEED_ON_START: 'always', SHUTDOWN_DELAY_MS: '3000' });
    const b = await startNode();
    proxy = await TcpProxy.balance([
      ['127.0.0.1', a.port],
      ['127.0.0.1', b.port],
    ]);
    const front = `http://${proxy.address}`;

    // Everyone connects through the balancer, which sends them all to A while it listens.
    const voters: ApiClient[] = [];
    for (let i = 0; i < 3; i++) voters.push((await signUp(b.url)).client);
    let page: Page | undefined;
    let errors: string[] = [];
    let question = 1;
    if (browser.up) {
      chromium = await launchBrowser();
      page = await (await chromium.newContext()).newPage();
      errors = collectConsoleErrors(page);
      await page.goto(`${front}/`);
      await page.waitForFunction(
        () =>
          document.documentElement.classList.contains('l-connected') &&
          (
            window as unknown as { lattice?: { roots: Array<{ live: boolean }> } }
          ).lattice?.roots.every((r) => r.live),
      );
      await page.evaluate(() => {
        const w = window as unknown as {
          lattice: { client: { on(event: string, fn: (hint: unknown) => void): void } };
          hints: unknown[];
        };
        w.hints = [];
        w.lattice.client.on('reconnect', (hint) => w.hints.push(hint));
      });
      question = Number((await page.locator('.questions li').first().getAttribute('id'))!.slice(1));
    }
    const showsScore = (score: number) =>
      page!.waitForFunction(
        ([selector, text]) =>
          document.documentElement.classList.contains('l-connected') &&
          document.querySelector(selector)?.textContent === text,
        [`#q${question} .vote b`, String(score)] as const,
      );
    const base = page ? Number(await page.locator(`#q${question} .vote b`).innerText()) : 0;
    for (let i = 0; i < CLIENTS; i++)
      clients.push(client(`ws://${proxy.address}/socket`, question));
    await Promise.all(clients.map((c) => c.subscription.ready));

    // One vote before the drain: every client hears it live (through Redis, from B).
    expect((await voters[0].post(`/questions/${question}/votes`, { value: 1 })).status).toBe(201);
    await waitFor(() => clients.every((c) => c.messages.length === 1), {
      what: 'every client to hear the first vote',
    });
    const before = clients[0].messages[0].offset;
    if (page) await showsScore(base + 1);

    // New connections wait at the balancer from now on, so what happens next happens while the
    // clients are away, and they must catch up with it.
    proxy.setMode('hold');
    a.node.child.kill('SIGTERM');

    // Draining: not ready, new upgrades refused with 503 + Retry-After, HTTP still answered.
    await waitFor(async () => (await fetch(`${a.url}/health/ready`)).status === 503, {
      what: 'A to report not ready',
    });
    expect(await upgrade(`ws://127.0.0.1:${a.port}/socket`)).toEqual({
      status: 503,
      retryAfter: '1',
    });
    expect((await fetch(`${a.url}/questions?limit=5`)).status).toBe(200);

    // The handover: every connection hears the hint, then closes with 1012, and reconnects.
    const handedOver = clients.length + (page ? 1 : 0);
    // Each client has opened its next socket, which waits at the balancer (counted by the
    // clients, not the balancer: Chromium may open other connections of its own).
    await waitFor(() => clients.every((c) => c.sockets === 2), {
      what: () => `every client to reconnect (${clients.map((c) => c.sockets).join(', ')})`,
    });
    if (page)
      await page.waitForFunction(
        () =>
          (window as unknown as { hints: unknown[] }).hints.length > 0 &&
          (window as unknown as { lattice: { client: { state: string } } }).lattice.client.state ===
            'connecting',
      );
    for (const c of clients) {
      expect(c.hints).toEqual([{ afterMs: expect.any(Number), reason: 'draining' }]);
      expect(c.closes).toEqual([1012]);
    }
    const delays = clients.map((c) => c.hints[0].afterMs);
    expect(Math.max(...delays)).toBeLessThan(1000);
    expect(new Set(delays).size).toBeGreaterThan(1); // jittered, not all at once
    if (page)
      expect(await page.evaluate(() => (window as unknown as { hints: unknown[] }).hints)).toEqual([
        { afterMs: expect.any(Number), reason: 'draining' },
      ]);

    // While they are away: two votes on B. A finishes and exits 0 meanwhile.
    for (const voter of voters.slice(1))
      expect((await voter.post(`/questions/${question}/votes`, { value: 1 })).status).toBe(201);
    expect(await a.node.exited).toEqual({ code: 0, signal: null });
    const { stdout } = a.node.output;
    const [, spreadMs] = stdout.match(
      new RegExp(
        `Draining: telling ${handedOver} connections to reconnect elsewhere over (\\d+) ms`,
      ),
    )!;
    expect(Number(spreadMs)).toBeGreaterThan(0); // their turns were spread, not all at once
    expect(stdout).toMatch(/HTTP drained: stopped accepting/);
    expect(stdout).toContain('Stopped cleanly.');
    expect(stdout).not.toMatch(/Drain listeners were still running/);

    // Released: A refuses (its listener is closed), so the balancer sends everyone to B.
    proxy.setMode('pass');
    expect(await upgrade(`ws://127.0.0.1:${a.port}/socket`)).toEqual({ error: 'ECONNREFUSED' });
    await waitFor(() => clients.every((c) => c.socket.state === 'open' && c.subscribed >= 2), {
      what: () =>
        `every client to resubscribe on B (${clients.map((c) => `${c.socket.state}/${c.subscribed}`).join(', ')})`,
    });
    // Exactly what they missed, in order, once: the channel resumed from each client's offset.
    await waitFor(() => clients.every((c) => c.messages.length === 3), {
      what: () =>
        `every client to catch up (${clients.map((c) => c.messages.length).join(', ')} events)`,
    });
    for (const c of clients) {
      expect(c.messages.map((m) => m.offset)).toEqual([before, before + 1, before + 2]);
      expect(c.sockets).toBe(2); // one reconnect, straight to B: not counted as a failure
    }
    // A new upgrade through the balancer reaches B.
    expect(await upgrade(`ws://${proxy.address}/socket`)).toEqual({ status: 101 });

    if (page) {
      // The live page rejoined on B and shows the score as it is now: the two votes cast while
      // it was away included.
      await showsScore(base + 3);
      expect(errors).toEqual([]);
    }
  }, 180_000);
});
