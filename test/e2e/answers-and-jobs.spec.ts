import type { INestApplication } from '@nestjs/common';
import { QueueManager } from '@lattice/queue';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { api, json, login, rawGet, signUp, type ApiClient } from '../support/http';

import { waitFor } from '../support/wait';

/** Polls until `find` returns something, for work that background jobs do. */
const eventually = <T>(find: () => Promise<T | undefined>, what: string) =>
  waitFor(find, { what, intervalMs: 50 });

describe.each(['express', 'fastify'] as const)(
  'answers, jobs and the queue dashboard on %s (seeded SQLite, in-process queue)',
  (platform) => {
    let app: INestApplication;
    let url: string;
    let queues: QueueManager;
    let member: { user: Record<string, unknown>; client: ApiClient; accessToken: string };
    let admin: ApiClient;

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        FORUM_SEED_ON_START: 'always',
      }));
      queues = app.get(QueueManager);
      member = await login(url, 'member@forum.example');
      admin = (await login(url, 'admin@forum.example')).client;
    });
    afterAll(() => app?.close());

    it('recounts tag statistics in a job after seeding', async () => {
      await eventually(
        async () =>
          (await queues.jobs('maintenance', ['completed'])).find(
            (j) => j.name === 'RecomputeTagStats',
          ),
        'RecomputeTagStats to complete',
      );
      const tags = (await json(await fetch(`${url}/tags`))) as unknown as {
        name: string;
        questionCount: number;
      }[];
      expect(tags.length).toBeGreaterThan(0);
      expect(tags.reduce((sum, t) => sum + t.questionCount, 0)).toBeGreaterThanOrEqual(500);
      expect(tags.map((t) => t.questionCount)).toEqual(
        [...tags.map((t) => t.questionCount)].sort((a, b) => b - a),
      );
    });

    it('adds an answer by the logged-in member, refreshes the cached question and notifies the asker through a job', async () => {
      const question = await json(await fetch(`${url}/questions/1`)); // now cached
      const response = await member.client.post('/questions/1/answers', {
        body: '  Use a tagged cache.  ',
      });
      expect(response.status).toBe(201);
      const answer = await json(response);
      expect(answer).toMatchObject({
        body: 'Use a tagged cache.',
        author: { id: Number(member.user.id), name: 'Mem Member' },
      });

      const after = await json(await fetch(`${url}/questions/1`));
      expect(after.answerCount).toBe(question.answerCount + 1);
      expect(after.answers.map((a: { id: number }) => a.id)).toContain(answer.id);

      const notice = await eventually(
        async () =>
          (await queues.jobs('notifications', ['completed'])).find(
            (j) => (j.data as { answerId: number }).answerId === answer.id,
          ),
        'the notification job',
      );
      expect(notice.returnValue).toEqual({ notified: question.author.id });
    });

    it.each([
      ['a number', { body: 42 }, 400, 'body: Invalid input: expected string, received number'],
      ['blanks', { body: '   ' }, 400, 'body: Too small'],
      ['no body', {}, 400, 'body: Invalid input'],
      ['20,001 characters', { body: 'x'.repeat(20_001) }, 400, 'body: Too big'],
    ])('rejects %s with %d and a message, adding nothing', async (_what, body, status, message) => {
      const before = await json(await fetch(`${url}/questions/2`));
      const response = await member.client.post('/questions/2/answers', body);
      expect(response.status).toBe(status);
      expect(JSON.stringify(await json(response))).toContain(message);
      const after = await json(await fetch(`${url}/questions/2`));
      expect(after.answerCount).toBe(before.answerCount);
      expect(after.answers).toHaveLength(before.answers.length);
    });

    it('refuses an answer without an account (401) and with a forged token (401), adding nothing', async () => {
      const before = await json(await fetch(`${url}/questions/2`));
      const anonymous = await api(url).post('/questions/2/answers', { body: 'hi' });
      expect(anonymous.status).toBe(401);
      const forged = await api(url, 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.').post(
        '/questions/2/answers',
        { body: 'hi' },
      );
      expect(forged.status).toBe(401);
      const after = await json(await fetch(`${url}/questions/2`));
      expect(after.answers).toHaveLength(before.answers.length);
    });

    it('lets members delete their own answers and moderators any; others get 403', async () => {
      const mine = await json(await member.client.post('/questions/7/answers', { body: 'Mine.' }));
      const other = await signUp(url, 'Other Member');
      const theirs = await json(
        await other.client.post('/questions/7/answers', { body: 'Theirs.' }),
      );
      const before = await json(await fetch(`${url}/questions/7/activity`));

      const denied = await member.client.delete(`/questions/7/answers/${theirs.id}`);
      expect(denied.status).toBe(403);
      expect((await json(denied)).message).toContain('delete');
      expect((await member.client.delete(`/questions/7/answers/${mine.id}`)).status).toBe(204);
      const moderator = (await login(url, 'moderator@forum.example')).client;
      expect((await moderator.delete(`/questions/7/answers/${theirs.id}`)).status).toBe(204);
      expect((await moderator.delete(`/questions/7/answers/${theirs.id}`)).status).toBe(404);
      const malformed = await member.client.delete('/questions/7/answers/abc');
      expect(malformed.status).toBe(400);
      expect((await json(malformed)).message).toContain('answerId');

      const question = await json(await fetch(`${url}/questions/7`));
      const ids = question.answers.map((a: { id: number }) => a.id);
      expect(ids).not.toContain(mine.id);
      expect(ids).not.toContain(theirs.id);
      const after = await json(await fetch(`${url}/questions/7/activity`));
      expect(after.answers).toBe(before.answers - 2);
      expect(question.answerCount).toBe(after.answers);
    });

    it('asks a question as the logged-in member; refuses bad input with 400 and anonymous with 401', async () => {
      const response = await member.client.post('/questions', {
        title: '  How do tags work on new questions?  ',
        body: 'Asked through the API.',
        tags: ['NestJS', 'redis'],
      });
      expect(response.status).toBe(201);
      const asked = await json(response);
      expect(asked).toMatchObject({
        title: 'How do tags work on new questions?',
        tags: expect.arrayContaining(['nestjs', 'redis']),
        author: { id: Number(member.user.id) },
      });
      const listed = await json(await fetch(`${url}/questions?sort=-createdAt&limit=1`));
      expect(listed.items[0].id).toBe(asked.id);

      const total = (await json(await fetch(`${url}/questions?limit=1`))).page.total;
      for (const [body, message] of [
        [{ title: 'Too short', body: 'x', tags: ['redis'] }, 'title: Too small'],
        [{ title: 'A long enough title', body: 'x', tags: [] }, 'tags: Too small'],
        [
          { title: 'A long enough title', body: 'x', tags: ['cobol'] },
          'tags: unknown "cobol"; use one of',
        ],
      ] as const) {
        const refused = await member.client.post('/questions', body);
        expect(refused.status).toBe(400);
        expect(String((await json(refused)).message)).toContain(message);
      }
      expect(
        (
          await api(url).post('/questions', {
            title: 'Anonymous question',
            body: 'x',
            tags: ['redis'],
          })
        ).status,
      ).toBe(401);
      expect((await json(await fetch(`${url}/questions?limit=1`))).page.total).toBe(total);
    });

    it('limits answers to 10 a minute per member (429 with when to retry), storing nothing more', async () => {
      const writer = await signUp(url, 'Busy Writer');
      for (let n = 1; n <= 10; n++)
        expect(
          (await writer.client.post('/questions/13/answers', { body: `Answer ${n}` })).status,
        ).toBe(201);
      const before = await json(await fetch(`${url}/questions/13`));
      const refused = await writer.client.post('/questions/13/answers', { body: 'One too many' });
      expect(refused.status).toBe(429);
      expect((await json(refused)).message).toMatch(/at most 10 a minute\. Try again in \d+ s\./);
      expect((await json(await fetch(`${url}/questions/13`))).answers).toHaveLength(
        before.answers.length,
      );
      // Another member is not held back.
      expect((await member.client.post('/questions/13/answers', { body: 'Mine' })).status).toBe(
        201,
      );
    });

    it('answers 404 for a missing question', async () => {
      const response = await member.client.post('/questions/99999999/answers', { body: 'hi' });
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ message: 'Question 99999999 was not found.' });
    });

    it('serves bull-board at /admin/queues to admins only, page and API alike, read-only for the in-process driver', async () => {
      const apiPath = '/admin/queues/api/queues?activeQueue=notifications&status=completed';
      // A completed notification of its own, so it does not depend on running after the answer
      // test (jest --randomize).
      const answered = await member.client.post('/questions/1/answers', { body: 'For the board.' });
      expect(answered.status).toBe(201);
      const { id: answerId } = (await json(answered)) as { id: number };
      await eventually(
        async () =>
          (await queues.jobs('notifications', ['completed'])).find(
            (j) => (j.data as { answerId: number }).answerId === answerId,
          ),
        'the notification job',
      );
      // Other spellings of the same routes too: encoded letters, a full URL as the request target.
      for (const path of [
        '/admin/queues',
        apiPath,
        '/admin/%71ueues/api/queues',
        '/%61dmin/queues',
        `${url}/admin/queues/api/queues`,
      ]) {
        // 404 where the router does not serve that spelling at all (Express); never the board.
        const anonymous = await rawGet(url, path);
        expect({ path, refused: [401, 404].includes(anonymous.status) }).toEqual({
          path,
          refused: true,
        });
        if (anonymous.status === 401) expect(anonymous.body).toContain('Log in as an admin');
        const asMember = await rawGet(url, path, member.accessToken);
        expect({ path, refused: [403, 404].includes(asMember.status) }).toEqual({
          path,
          refused: true,
        });
      }
      const page = await admin.get('/admin/queues');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const board = await json(await admin.get(apiPath));
      const byName = Object.fromEntries(board.queues.map((q: { name: string }) => [q.name, q]));
      expect(Object.keys(byName).sort()).toEqual(['ai', 'maintenance', 'notifications']);
      expect(byName.notifications).toMatchObject({ readOnlyMode: true });
      expect(byName.notifications.counts.completed).toBeGreaterThanOrEqual(1);
      expect(byName.notifications.jobs[0]).toMatchObject({ name: 'NotifyQuestionAuthor' });
    });
  },
);
