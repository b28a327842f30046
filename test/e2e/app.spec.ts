import type { INestApplication } from '@nestjs/common';
import WebSocket from 'ws';
import { startForum, tempSqliteUrl } from '../support/forum-app';

describe.each(['express', 'fastify'] as const)(
  'Lattice Forum on %s (embedded drivers)',
  (platform) => {
    let app: INestApplication;
    let url: string;

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, { DATABASE_URL: tempSqliteUrl() }));
    });
    afterAll(() => app?.close());

    it('serves the home page, which says what the app is and links to /health', async () => {
      const response = await fetch(`${url}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const body = await response.text();
      expect(body).toContain('<h1>Lattice Forum</h1>');
      expect(body).toContain('real-time community Q&amp;A forum');
      expect(body).toContain('<a href="/health">');
    });

    it('reports health as JSON: SQLite up, every other part in memory', async () => {
      const response = await fetch(`${url}/health`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as Record<string, Record<string, unknown>>;
      expect(body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up', driver: 'sqlite' } },
        drivers: {
          database: 'sqlite',
          cache: 'memory',
          queue: 'memory',
          state: 'memory',
          events: 'memory',
          pubsub: 'memory',
        },
      });
      expect(body.info.redis).toBeUndefined();
    });

    it('answers 404 with a JSON message for unknown routes', async () => {
      const response = await fetch(`${url}/no-such-page`);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({
        statusCode: 404,
        message: expect.stringContaining('/no-such-page'),
      });
    });

    it('answers a WebSocket ping on /ws with a pong', async () => {
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`);
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
      const reply = new Promise<string>((resolve) =>
        socket.once('message', (data) => resolve(data.toString())),
      );
      socket.send(JSON.stringify({ event: 'ping' }));
      const message = JSON.parse(await reply);
      socket.close();
      expect(message).toMatchObject({
        event: 'pong',
        data: { node: expect.stringMatching(/-\d+-/) },
      });
      expect(Date.parse(message.data.time)).toBeGreaterThan(Date.now() - 60_000);
    });
  },
);

describe('Lattice Forum with Redis configured but unreachable', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      REDIS_URL: 'redis://127.0.0.1:1',
      LOG_LEVEL: 'fatal',
    }));
  });
  afterAll(() => app?.close());

  it('reports 503 with Redis down and the reason, and still answers', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as Record<string, Record<string, unknown>>;
    expect(body).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down', message: expect.stringContaining('did not answer PING') } },
      drivers: { cache: 'redis', queue: 'bullmq' },
    });
  });
});
