import type { INestApplication } from '@nestjs/common';
import { getCacheToken, LatticeCache } from '@lattice/cache';
import { SECURITY_USER_STORE } from '@lattice/security';
import WebSocket from 'ws';
import { ForumUserStore } from '../../src/users/forum-user.store';
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

    it('has one user store: the one UsersModule provides is the one SecurityModule uses', () => {
      const store = app.get(ForumUserStore, { strict: false });
      expect(store).toBeInstanceOf(ForumUserStore);
      expect(app.get(SECURITY_USER_STORE, { strict: false })).toBe(store);
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
      error: {
        redis: { status: 'down', message: expect.stringMatching(/^Redis is unreachable \(.+\)$/) },
      },
      drivers: { cache: 'redis', queue: 'bullmq' },
    });
  });

  it('pauses logins with a 503 that names the cause, within seconds, and still serves pages', async () => {
    // No stopwatch: a login that waited on the dead Redis would hang past the test's timeout.
    const response = await fetch(`${url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'member@forum.example', password: 'lattice-demo' }),
    });
    expect(response.status).toBe(503);
    expect((await response.json()).message).toContain(
      'the counter of failed logins (Redis) does not answer',
    );
    expect((await fetch(`${url}/questions?limit=1`)).status).toBe(200);
  });
});

describe.each(['express', 'fastify'] as const)(
  'GET /questions on %s (seeded SQLite)',
  (platform) => {
    let app: INestApplication;
    let url: string;
    const get = async (query: string) => {
      const response = await fetch(`${url}/questions${query}`);
      return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        FORUM_SEED_ON_START: 'always',
      }));
    });
    afterAll(() => app?.close());

    it('lists seeded questions newest first, with author and tags, without private fields', async () => {
      const { status, body } = await get('');
      expect(status).toBe(200);
      expect(body.items).toHaveLength(20);
      expect(body.page).toMatchObject({
        mode: 'offset',
        number: 1,
        limit: 20,
        total: 500,
        pages: 25,
        hasMore: true,
      });
      const dates = body.items.map((q: { createdAt: string }) => Date.parse(q.createdAt));
      expect(dates).toEqual([...dates].sort((a, b) => b - a));
      expect(body.items[0]).toMatchObject({
        title: expect.any(String),
        author: { name: expect.any(String) },
        tags: expect.any(Array),
      });
      expect(JSON.stringify(body)).not.toContain('email');
    });

    it('filters by tag, sorts by score and follows cursors', async () => {
      const first = await get('?tag=nestjs&sort=-score&limit=5');
      expect(first.status).toBe(200);
      for (const q of first.body.items)
        expect(q.tags.map((t: { name: string }) => t.name)).toContain('nestjs');
      const scores = first.body.items.map((q: { score: number }) => q.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      const next = await get(`?tag=nestjs&sort=-score&limit=5&cursor=${first.body.page.next}`);
      expect(next.status).toBe(200);
      expect(next.body.page.mode).toBe('cursor');
      expect(next.body.items[0].score).toBeLessThanOrEqual(scores.at(-1));
      const ids = new Set(
        [...first.body.items, ...next.body.items].map((q: { id: number }) => q.id),
      );
      expect(ids.size).toBe(10);
    });

    it.each([
      ['?limit=500', 'limit', 'must be at most 100'],
      ['?sort=email', 'sort', 'cannot sort by "email"'],
      ['?cursor=%7B%7D', 'cursor', 'is not a cursor this API issued'],
      ['?tag=DROP%20TABLE', 'tag', 'is invalid'],
      ['?page=0', 'page', 'must be a whole number'],
      ['?author=me', 'author', 'is invalid'],
      ['?secret=1', 'secret', 'is not accepted here'],
    ])('answers %s with 400 naming "%s"', async (query, parameter, message) => {
      const { status, body } = await get(query);
      expect(status).toBe(400);
      expect(body.parameter).toBe(parameter);
      expect(body.message).toContain(`Query parameter "${parameter}" `);
      expect(body.message).toContain(message);
    });

    it('serves the popular questions from the cache after the first request: the ranking and each question', async () => {
      const cache = app.get<LatticeCache>(getCacheToken());
      const first = await fetch(`${url}/questions/popular`);
      expect(first.status).toBe(200);
      const popular = (await first.json()) as { score: number }[];
      expect(popular).toHaveLength(10);
      expect(popular.map((q) => q.score)).toEqual(
        [...popular.map((q) => q.score)].sort((a, b) => b - a),
      );
      const hits = cache.stats().hits;
      const second = await fetch(`${url}/questions/popular`);
      expect(await second.json()).toEqual(popular);
      expect(cache.stats().hits).toBe(hits + 1 + popular.length);
    });

    it('shows one question with its answers, and 404 for a missing one', async () => {
      const { body: list } = await get('?sort=-answerCount&limit=1');
      const id = list.items[0].id;
      const one = await fetch(`${url}/questions/${id}`);
      expect(one.status).toBe(200);
      const question = (await one.json()) as {
        id: number;
        answers: unknown[];
        answerCount: number;
      };
      expect(question.id).toBe(id);
      expect(question.answers).toHaveLength(question.answerCount);
      const missing = await fetch(`${url}/questions/99999999`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ message: 'Question 99999999 was not found.' });
      expect((await fetch(`${url}/questions/abc`)).status).toBe(400);
    });
  },
);
