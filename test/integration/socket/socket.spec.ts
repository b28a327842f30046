import { LatticeModule } from '@lattice/core';
import {
  SocketAuthenticator,
  SocketClient,
  SocketManager,
  SocketModule,
  SocketModuleOptions,
  SocketRequestError,
  WebSocketFactory,
} from '@lattice/socket';
import { ForbiddenException, INestApplication, Module, Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { Rooms } from './fixtures/rooms';

/** Token "good-<id>" in the query authenticates as <id>; "bad" is refused; none is anonymous. */
const authenticator: SocketAuthenticator = {
  authenticate(request: IncomingMessage) {
    const token = new URL(request.url ?? '/', 'http://x').searchParams.get('token');
    if (token === 'bad') throw new Error('token expired');
    if (token === 'long') throw new ForbiddenException('拒否されました。'.repeat(20)); // 600+ bytes of UTF-8
    return token?.startsWith('good-') ? { id: token.slice(5) } : null;
  },
};

async function boot(
  options: SocketModuleOptions = {},
  env: Record<string, string> = {},
): Promise<{ app: INestApplication; url: string }> {
  const providers: Provider[] = [Rooms];
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot({ ...options, authenticator }),
    ],
    providers,
  })
  class SocketTestModule {}
  const app = await NestFactory.create(SocketTestModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `ws://127.0.0.1:${port}${options.path ?? '/socket'}` };
}

/** A raw client that records every frame, for protocol-level checks. */
async function raw(
  url: string,
  headers: Record<string, string> = {},
  options: WebSocket.ClientOptions = {},
) {
  const ws = new WebSocket(url, { headers, ...options });
  const frames: unknown[][] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const next = (test: (f: unknown[]) => boolean) =>
    waitFor(() => frames.find(test), {
      what: () => `a matching frame; got ${JSON.stringify(frames)}`,
    });
  return { ws, frames, closed, next };
}

const client = (url: string, backoff = { baseMs: 50, maxMs: 200 }) =>
  new SocketClient(url, {
    WebSocket: WebSocket as unknown as WebSocketFactory,
    backoff,
    timeoutMs: 10_000, // a reply's deadline; roomy so a loaded machine is not a failure
  }).connect();

describe('@lattice/socket on one node', () => {
  let app: INestApplication;
  let url: string;
  const open: SocketClient[] = [];
  const track = (c: SocketClient) => (open.push(c), c);

  beforeAll(async () => {
    ({ app, url } = await boot({
      rateLimit: { messages: 20, perMs: 1000 },
      maxMessageBytes: 4096,
      heartbeatMs: 200,
    }));
  });
  afterEach(() => open.splice(0).forEach((c) => c.close()));
  afterAll(() => app?.close());

  it('welcomes a connection, joins a topic, answers a request by ref and broadcasts to subscribers only', async () => {
    const alice = track(client(`${url}?token=good-alice`));
    const bob = track(client(url));
    const other = track(client(url));
    const welcome = new Promise((resolve) => alice.on('welcome', resolve));
    expect(await alice.channel('room:1').join()).toEqual({ joined: 'room:1', as: 'alice' });
    expect(await welcome).toMatchObject({ identity: 'alice' });
    expect(await bob.channel('room:1').join()).toEqual({ joined: 'room:1', as: null });
    await other.channel('room:2').join();
    expect(await alice.channel('room:1').push('echo', { n: 1 })).toEqual({ n: 1 });

    const heard: Array<[string, unknown]> = [];
    bob.channel('room:1').on('shouted', (p) => heard.push(['bob', p]));
    alice.channel('room:1').on('shouted', (p) => heard.push(['alice', p]));
    other.channel('room:2').on('shouted', (p) => heard.push(['other', p]));
    expect(await alice.channel('room:1').push('shout', 'hello')).toBe('sent');
    // "Only subscribers": a sentinel shouted after "hello" on both rooms; once everyone has heard
    // it, anything "hello" would have caused has arrived too (one publisher, in-order delivery).
    await alice.channel('room:1').push('shout', 'sentinel');
    await other.channel('room:2').push('shout', 'sentinel');
    await waitFor(() => heard.filter(([, p]) => p === 'sentinel').length === 3, {
      what: 'the sentinel to reach alice, bob and other',
    });
    expect(heard.filter(([, p]) => p !== 'sentinel').sort()).toEqual([
      ['alice', 'hello'],
      ['bob', 'hello'],
    ]);
    expect(app.get(SocketManager).subscriberCount('room:1')).toBe(2);
  });

  it('refuses with a reason: a guarded join, an unknown topic, an event before joining, a failing handler', async () => {
    const c = track(client(url));
    await expect(c.channel('room:secret').join()).rejects.toMatchObject({
      code: 'http_403',
      message: 'This room is private.',
    });
    await expect(c.channel('nowhere').join()).rejects.toMatchObject({ code: 'unknown_topic' });
    await expect(c.channel('room:9').push('echo', 1)).rejects.toMatchObject({ code: 'not_joined' });
    await c.channel('room:9').join();
    const failure = c.channel('room:9').push('crash');
    await expect(failure).rejects.toBeInstanceOf(SocketRequestError);
    await expect(failure).rejects.toMatchObject({
      code: 'internal',
      message: 'The request failed.',
    }); // no internals leak
  });

  it('answers a malformed frame with an error and keeps the connection', async () => {
    const r = await raw(url);
    r.ws.send('not json');
    r.ws.send(JSON.stringify({ event: 'x' }));
    await r.next((f) => f[1] === 'error' && (f[2] as { code: string }).code === 'bad_frame');
    r.ws.send(JSON.stringify(['sys', 'ping', null, '7']));
    await r.next((f) => f[1] === 'reply' && f[3] === '7');
    expect(r.frames.filter((f) => f[1] === 'error')).toHaveLength(2);
    r.ws.close();
  });

  it('refuses an upgrade from another origin (403, not 401) and accepts its own', async () => {
    await expect(raw(url, { Origin: 'https://evil.example' })).rejects.toThrow(
      /Unexpected server response: 403/,
    );
    const host = new URL(url).host;
    const ok = await raw(url, { Origin: `http://${host}` });
    ok.ws.close();
  });

  it('refuses a connection the authenticator rejects, with the close code 4401', async () => {
    const r = await raw(`${url}?token=bad`);
    expect(await r.closed).toEqual({ code: 4401, reason: 'unauthorized' });
    // A long multi-byte reason is cut to the protocol's 123 bytes instead of crashing the server.
    const long = await raw(`${url}?token=long`);
    const { code, reason } = await long.closed;
    expect(code).toBe(4401);
    expect(Buffer.byteLength(reason)).toBeLessThanOrEqual(123);
    expect(reason).toMatch(/^拒否されました。.*…$/);
  });

  it('refuses to join a topic whose handler has no join check, unless it is public', async () => {
    const manager = app.get(SocketManager);
    manager.handle('open:*', { public: true });
    manager.handle('closed:*', { message: () => 'x' });
    const c = track(client(url));
    expect(await c.channel('open:1').join()).toBeNull();
    await expect(c.channel('closed:1').join()).rejects.toMatchObject({
      code: 'LATTICE_SOCKET_JOIN_REFUSED',
    });
  });

  it('closes a connection that sends a frame over the size limit (1009)', async () => {
    const r = await raw(url);
    r.ws.send(JSON.stringify(['room:1', 'echo', 'x'.repeat(5000), '1']));
    expect((await r.closed).code).toBe(1009);
  });

  it('drops frames over the rate limit with an error, and closes a connection that keeps flooding (4429)', async () => {
    const r = await raw(url);
    for (let i = 0; i < 25; i++) r.ws.send(JSON.stringify(['sys', 'ping', null, String(i)]));
    await r.next((f) => f[1] === 'error' && (f[2] as { code: string }).code === 'rate_limited');
    for (let i = 0; i < 60; i++) r.ws.send(JSON.stringify(['sys', 'ping', null]));
    expect((await r.closed).code).toBe(4429);
  });

  it('drops a connection that stops answering pings', async () => {
    const r = await raw(url, {}, { autoPong: false });
    // No duration check: without the heartbeat the connection would stay open and the test time out.
    expect((await r.closed).code).toBe(1006); // terminated, no close frame
  });

  it('reconnects with backoff after the connection drops, and rejoins its channels', async () => {
    const c = track(client(url));
    const states: string[] = [];
    c.on('state', (s) => states.push(s as string));
    await c.channel('room:r').join();
    const firstId = c.connectionId;
    states.length = 0;
    const manager = app.get(SocketManager);
    // Cut the connection from the server side, as a network drop or a node restart would.
    for (const ws of (manager as unknown as { connections: Set<{ id: string; ws: WebSocket }> })
      .connections) {
      if (ws.id === firstId) ws.ws.terminate();
    }
    const rejoined = new Promise((resolve) => c.channel('room:r').on('rejoined', resolve));
    expect(await rejoined).toEqual({ joined: 'room:r', as: null });
    expect(c.connectionId).not.toBe(firstId);
    expect(states).toEqual(['closed', 'connecting', 'open']);
    const heard = new Promise((resolve) => c.channel('room:r').on('shouted', resolve));
    await manager.broadcast('room:r', 'shouted', 'after reconnect');
    expect(await heard).toBe('after reconnect');
  });

  it('runs the leave handler when a connection closes', async () => {
    const c = track(client(url));
    await c.channel('room:bye').join();
    c.close();
    const rooms = app.get(Rooms);
    await waitFor(() => rooms.left.includes('room:bye'), { what: 'the leave handler' });
    expect(rooms.left).toContain('room:bye');
  });
});

describeWith(['redis'], '@lattice/socket across two processes on one Redis', () => {
  it(
    'a broadcast on one node reaches a client connected to the other',
    async () => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('socket') };
      const other = new TsProcess('test/integration/socket/fixtures/socket-node.ts', {
        ...env,
        LOG_LEVEL: 'error',
      });
      const { app } = await boot({}, env);
      try {
        const [, port] = await other.waitFor(/listening (\d+)/, PROCESS_START_MS);
        const c = client(`ws://127.0.0.1:${port}/socket`);
        await c.channel('room:x').join();
        const heard: unknown[] = [];
        c.channel('room:x').on('shouted', (p) => heard.push(p));
        // The other node subscribes to Redis in the background after it starts listening, so a
        // broadcast sent right away may find nobody subscribed yet: repeat it until it is heard.
        await waitFor(
          async () => {
            await app.get(SocketManager).broadcast('room:x', 'shouted', { from: 'node A' });
            return heard.length > 0;
          },
          { what: 'the broadcast to reach the other node', intervalMs: 200 },
        );
        expect(heard[0]).toEqual({ from: 'node A' });
        c.close();
      } finally {
        await other.stop();
        await app.close();
      }
    },
    PROCESS_TEST_MS,
  );
});
