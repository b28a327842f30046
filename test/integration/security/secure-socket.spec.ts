import { SocketClient, SocketManager, SocketModule, type WebSocketFactory } from '@lattice/socket';
import { ChannelAccess, SecureSocketLimits, type SecurityModuleOptions } from '@lattice/security';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { waitFor } from '../../support/wait';
import { bootSecurityApp, type Platform, type SecurityApp } from './fixtures/security-app';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';
const sqlite = () => `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-wss-')), 'db.sqlite')}`;

/** Topics guarded by ChannelAccess: members may join `members:*`, moderators `mods:*`. */
@Injectable()
class GuardedTopics implements OnModuleInit {
  constructor(
    private readonly sockets: SocketManager,
    private readonly channels: ChannelAccess,
  ) {}
  onModuleInit(): void {
    this.sockets.handle('members:*', {
      join: this.channels.join({ roles: ['member'] }),
      message: (_connection, _topic, _event, payload) => payload,
    });
    this.sockets.handle('mods:*', { join: this.channels.join({ roles: ['moderator'] }) });
    this.sockets.handle('edit:*', {
      join: this.channels.join((topic) => ({
        can: { action: 'manage', subject: 'all', id: topic.split(':')[1] },
      })),
    });
  }
}

async function boot(platform: Platform, options: SecurityModuleOptions): Promise<SecurityApp> {
  return bootSecurityApp(
    platform,
    { DATABASE_URL: sqlite(), JWT_SECRET: SECRET },
    { passwords: { memoryCost: 1024, timeCost: 1 }, ...options },
    {},
    {
      imports: [SocketModule.forRoot({ heartbeatMs: 60_000 })],
      providers: [GuardedTopics],
      websockets: true,
    },
  );
}

/** Registers with page delivery and returns the cookies as a jar (`name=value; …`). */
async function register(url: string, username: string): Promise<Record<string, string>> {
  const response = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery' }),
  });
  expect(response.status).toBe(201);
  return cookiesOf(response, {});
}

/** Cookies as a browser keeps them: each until its Max-Age runs out (the access cookie lives as long as its token). */
const expiries = new WeakMap<Record<string, string>, Map<string, number>>();

function cookiesOf(response: Response, jar: Record<string, string>): Record<string, string> {
  if (!expiries.has(jar)) expiries.set(jar, new Map());
  for (const line of response.headers.getSetCookie()) {
    const [pair, ...attributes] = line.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    jar[name] = pair.slice(at + 1);
    const maxAge = attributes.find((a) => /^\s*max-age=/i.test(a));
    if (maxAge) expiries.get(jar)!.set(name, Date.now() + Number(maxAge.split('=')[1]) * 1000);
  }
  return jar;
}

const header = (jar: Record<string, string>) =>
  Object.entries(jar)
    .filter(([name]) => (expiries.get(jar)?.get(name) ?? Infinity) > Date.now())
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/** A raw ws connection with the cookies; resolves with its frames and how it closed. */
async function raw(url: string, jar: Record<string, string>) {
  const ws = new WebSocket(url, { headers: { cookie: header(jar) } });
  const frames: unknown[][] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as unknown[]));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  const isWelcome = (f: unknown[]) => f[0] === 'sys' && f[1] === 'welcome';
  /** True once welcomed, false if the connection closes first. */
  const welcomed = async () => {
    await waitFor(() => frames.some(isWelcome) || ws.readyState !== WebSocket.OPEN, {
      what: 'a welcome or a close',
    });
    return frames.some(isWelcome);
  };
  return { ws, frames, closed, welcomed };
}

const wsUrl = (server: SecurityApp) => `${server.url.replace('http', 'ws')}/socket`;

describe.each<Platform>(['express', 'fastify'])('secure WebSockets on %s', (platform) => {
  let server: SecurityApp;
  const sockets: Array<{ close(): void }> = [];
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await server?.app.close();
  });

  it('caps open connections per user (4429) and frees a place when one closes', async () => {
    server = await boot(platform, { sockets: { maxConnectionsPerUser: 2 } });
    const ada = await register(server.url, 'ada');
    const grace = await register(server.url, 'grace');
    const first = await raw(wsUrl(server), ada);
    const second = await raw(wsUrl(server), ada);
    sockets.push(first.ws, second.ws);
    expect([await first.welcomed(), await second.welcomed()]).toEqual([true, true]);
    const third = await raw(wsUrl(server), ada);
    expect(await third.closed).toEqual({
      code: 4429,
      reason: 'too many connections: at most 2 per user',
    });
    // Another user and anonymous connections are not affected.
    const other = await raw(wsUrl(server), grace);
    const anonymous = await raw(wsUrl(server), {});
    sockets.push(other.ws, anonymous.ws);
    expect([await other.welcomed(), await anonymous.welcomed()]).toEqual([true, true]);
    const limits = server.app.get(SecureSocketLimits);
    expect(limits.connectionsOf('1')).toBe(2);

    first.ws.close();
    await first.closed;
    await waitFor(() => limits.connectionsOf('1') === 1, { what: 'the closed place to be freed' });
    const fourth = await raw(wsUrl(server), ada);
    sockets.push(fourth.ws);
    expect(await fourth.welcomed()).toBe(true);
    expect(limits.connectionsOf('1')).toBe(2);
  });

  it("limits a user's messages across their connections", async () => {
    server = await boot(platform, { sockets: { userRateLimit: { messages: 5, perMs: 60_000 } } });
    const ada = await register(server.url, 'ada');
    const grace = await register(server.url, 'grace');
    const [one, two, other] = [
      await raw(wsUrl(server), ada),
      await raw(wsUrl(server), ada),
      await raw(wsUrl(server), grace),
    ];
    sockets.push(one.ws, two.ws, other.ws);
    for (const c of [one, two, other]) expect(await c.welcomed()).toBe(true);
    for (let i = 0; i < 4; i++) {
      one.ws.send(JSON.stringify(['sys', 'ping', null, `a${i}`]));
      two.ws.send(JSON.stringify(['sys', 'ping', null, `b${i}`]));
      other.ws.send(JSON.stringify(['sys', 'ping', null, `c${i}`]));
    }
    const count = (c: typeof one, event: string) => c.frames.filter((f) => f[1] === event).length;
    // Every ping gets exactly one answer (a reply or an error): wait for all twelve.
    await waitFor(
      () => [one, two, other].reduce((n, c) => n + count(c, 'reply') + count(c, 'error'), 0) === 12,
      { what: 'an answer to every ping' },
    );
    expect(count(one, 'reply') + count(two, 'reply')).toBe(5);
    expect(count(one, 'error') + count(two, 'error')).toBe(3);
    expect(two.frames.concat(one.frames).find((f) => f[1] === 'error')?.[2]).toMatchObject({
      code: 'rate_limited',
    });
    expect(count(other, 'reply')).toBe(4);
  });

  it('authorises each channel with roles and permissions; anonymous connections are refused', async () => {
    server = await boot(platform, {});
    const ada = await register(server.url, 'ada');
    const client = new SocketClient(wsUrl(server), {
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url, { headers: { cookie: header(ada) } });
        }
      } as unknown as WebSocketFactory,
      timeoutMs: 10_000,
    }).connect();
    const anonymous = new SocketClient(wsUrl(server), {
      WebSocket: WebSocket as unknown as WebSocketFactory,
      timeoutMs: 10_000,
    }).connect();
    sockets.push(client, anonymous);
    expect(await client.channel('members:lobby').join()).toBeNull();
    await expect(client.channel('mods:queue').join()).rejects.toMatchObject({
      code: 'http_403',
      message: 'You may not join "mods:queue".',
    });
    await expect(client.channel('edit:7').join()).rejects.toMatchObject({ code: 'http_403' });
    await expect(anonymous.channel('members:lobby').join()).rejects.toMatchObject({
      code: 'http_401',
    });
  });
});

describe('re-authentication on a long-lived connection', () => {
  let server: SecurityApp;
  afterEach(() => server?.app.close());

  it('by default closes with 4401 when the access token expires; the client refreshes its cookie and rejoins', async () => {
    // 3 s: long enough that the first join surely happens before expiry on a loaded machine.
    server = await boot('express', { jwt: { accessTtlSeconds: 3, clockSkewSeconds: 0 } });
    const jar = await register(server.url, 'ada');
    const closes: number[] = [];
    const refreshes: number[] = [];
    const client = new SocketClient(wsUrl(server), {
      WebSocket: class extends WebSocket {
        constructor(url: string) {
          super(url, { headers: { cookie: header(jar) } });
          this.on('close', (code) => closes.push(code));
        }
      } as unknown as WebSocketFactory,
      backoff: { baseMs: 20, maxMs: 50 },
      timeoutMs: 10_000,
      // What a page does: POST /auth/refresh with the refresh cookie, get fresh cookies.
      reauthenticate: async () => {
        const response = await fetch(`${server.url}/auth/refresh`, {
          method: 'POST',
          headers: { cookie: header(jar) },
        });
        refreshes.push(response.status);
        cookiesOf(response, jar);
      },
    });
    const welcomes: Array<{ id: string; identity: string | null }> = [];
    client.on('welcome', (w) => welcomes.push(w as { id: string; identity: string | null }));
    client.connect();
    try {
      const channel = client.channel('members:lobby');
      expect(await channel.join()).toBeNull();
      const rejoined = new Promise((resolve) => channel.on('rejoined', resolve));
      const firstCookie = jar['__Host-lattice_access'];
      await rejoined; // after the close at expiry (about 3 s), the refresh and the reconnect
      expect(closes).toEqual([4401]);
      expect(refreshes).toEqual([200]);
      expect(jar['__Host-lattice_access']).not.toBe(firstCookie);
      expect(welcomes.map((w) => w.identity)).toEqual(['1', '1']);
      expect(welcomes[0].id).not.toBe(welcomes[1].id);
      expect(await channel.push('echo', 'still here')).toBe('still here');
    } finally {
      client.close();
    }
  });

  it('with closeOnTokenExpiry: false keeps the connection open past expiry, but refuses new channel joins (401)', async () => {
    server = await boot('fastify', {
      // 3 s: long enough that the first join surely happens before expiry on a loaded machine.
      jwt: { accessTtlSeconds: 3, clockSkewSeconds: 0 },
      sockets: { closeOnTokenExpiry: false },
    });
    const jar = await register(server.url, 'ada');
    const connection = await raw(wsUrl(server), jar);
    try {
      expect(await connection.welcomed()).toBe(true);
      const reply = (ref: string) => connection.frames.find((f) => f[3] === ref)?.[2];
      const answer = (ref: string) => waitFor(() => reply(ref), { what: `the reply to ${ref}` });
      connection.ws.send(JSON.stringify(['members:a', 'join', null, 'j1']));
      expect(await answer('j1')).toEqual({ status: 'ok', response: null });
      // Past expiry: ask to join until the server refuses (instead of sleeping a guessed 1.6 s).
      let attempt = 0;
      const refused = await waitFor(
        async () => {
          const ref = `j${++attempt + 1}`;
          connection.ws.send(JSON.stringify(['members:b', 'join', null, ref]));
          const answered = (await answer(ref)) as { status: string };
          return answered.status === 'error' && answered;
        },
        { what: 'the server to refuse a join once the token expired', intervalMs: 100 },
      );
      connection.ws.send(JSON.stringify(['members:a', 'echo', 'still open', 'e1']));
      expect(await answer('e1')).toEqual({ status: 'ok', response: 'still open' });
      expect(refused).toMatchObject({
        status: 'error',
        response: { code: 'http_401', message: expect.stringContaining('expired') },
      });
      expect(connection.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      connection.ws.close();
    }
  });
});
