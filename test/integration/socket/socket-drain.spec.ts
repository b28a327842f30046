import { LatticeModule, LatticeShutdown } from '@lattice/core';
import {
  type ReconnectHint,
  SocketClient,
  SocketModule,
  type SocketModuleOptions,
  type WebSocketFactory,
} from '@lattice/socket';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { waitFor } from '../../support/wait';

// Draining on one node, in process (decision 0044): the e2e test (test/e2e/drain.spec.ts) runs
// the Forum as processes and moves the clients to another node.

async function boot(
  options: SocketModuleOptions,
  platform: 'express' | 'fastify' = 'express',
): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      SocketModule.forRoot(options),
    ],
  })
  class DrainTestModule {}
  const app =
    platform === 'fastify'
      ? await NestFactory.create(DrainTestModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(DrainTestModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `ws://127.0.0.1:${port}/socket` };
}

/** A SocketClient whose sockets' close codes are recorded. */
function recorded(url: string) {
  const closes: number[] = [];
  const hints: ReconnectHint[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(target: string) {
      super(target);
      this.on('error', () => undefined);
      this.addEventListener('close', (event) => closes.push(event.code));
    }
  }
  const client = new SocketClient(url, {
    WebSocket: RecordingWebSocket as unknown as WebSocketFactory,
    backoff: { baseMs: 50, maxMs: 200 },
  }).connect();
  client.on('reconnect', (hint) => hints.push(hint as ReconnectHint));
  return { client, closes, hints };
}

function upgrade(url: string): Promise<{ status: number; retryAfter?: string }> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  return new Promise((resolve) => {
    ws.once('open', () => (resolve({ status: 101 }), ws.close()));
    ws.once('unexpected-response', (_req, res: IncomingMessage) =>
      resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }),
    );
  });
}

describe('@lattice/socket draining', () => {
  const apps: INestApplication[] = [];
  const clients: SocketClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it.each(['express', 'fastify'] as const)(
    'on %s: refuses new upgrades with 503, tells every connection to reconnect (jittered) and closes it with 1012, then drained() resolves',
    async (platform) => {
      const { app, url } = await boot({ drainWindowMs: 1000 }, platform);
      apps.push(app);
      const all = Array.from({ length: 10 }, () => recorded(url));
      clients.push(...all.map((c) => c.client));
      await waitFor(() => all.every((c) => c.client.state === 'open'), {
        what: 'every client open',
      });

      const shutdown = app.get(LatticeShutdown);
      shutdown.startDraining({ timeoutMs: 5000 });
      expect(await upgrade(url)).toEqual({ status: 503, retryAfter: '1' });
      await shutdown.drained();

      for (const c of all) {
        expect(c.hints).toEqual([{ afterMs: expect.any(Number), reason: 'draining' }]);
        expect(c.closes[0]).toBe(1012);
      }
      const delays = all.map((c) => c.hints[0].afterMs);
      expect(Math.max(...delays)).toBeLessThan(1000);
      expect(new Set(delays).size).toBeGreaterThan(1);
      // The clients come back (here to the same node, which refuses them: they back off).
      await waitFor(() => all.every((c) => c.closes.length >= 2), {
        what: 'every client to retry',
      });
      for (const c of all) expect(c.closes[1]).toBe(1006);
    },
  );

  it('still closes open connections with 1001 when the app closes without draining', async () => {
    const { app, url } = await boot({});
    const c = recorded(url);
    clients.push(c.client);
    await waitFor(() => c.client.state === 'open', { what: 'the client to open' });
    await app.close();
    await waitFor(() => c.closes.length > 0, { what: 'the close' });
    expect(c.closes[0]).toBe(1001);
    expect(c.hints).toEqual([]);
  });

  it('the client reconnects when told (the hint, or within a second on a bare 1012), not after its backoff', async () => {
    // A server that hands the first connections over and keeps the last: the client's backoff
    // is a minute, so only the drain path can bring it back within the test.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    let connections = 0;
    server.on('connection', (ws) => {
      connections++;
      if (connections === 1) {
        ws.send(JSON.stringify(['sys', 'reconnect', { afterMs: 50, reason: 'draining' }]));
        ws.close(1012, 'server draining: reconnect');
      } else if (connections === 2) ws.close(1012, 'no hint');
      else ws.send(JSON.stringify(['sys', 'welcome', { id: 'kept', identity: null }]));
    });
    const client = new SocketClient(`ws://127.0.0.1:${port}`, {
      WebSocket: WebSocket as unknown as WebSocketFactory,
      backoff: { baseMs: 60_000, maxMs: 60_000 },
    });
    clients.push(client);
    const hints: unknown[] = [];
    client.on('reconnect', (hint) => hints.push(hint));
    client.connect();
    try {
      await waitFor(() => client.connectionId === 'kept', { what: 'the third connection' });
      expect(connections).toBe(3);
      expect(hints).toEqual([{ afterMs: 50, reason: 'draining' }]);
    } finally {
      client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
