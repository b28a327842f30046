import type { INestApplication } from '@nestjs/common';
import { QueueManager } from '@lattice/queue';
import { startForum, tempSqliteUrl } from '../support/forum-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `find` returns something, for work that background jobs do. */
async function eventually<T>(
  find: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(50)) {
    const found = await find();
    if (found !== undefined) return found;
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe.each(['express', 'fastify'] as const)(
  'answers, jobs and the queue dashboard on %s (seeded SQLite, in-process queue)',
  (platform) => {
    let app: INestApplication;
    let url: string;
    let queues: QueueManager;
    const json = (response: Response) => response.json() as Promise<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        FORUM_SEED_ON_START: 'always',
      }));
      queues = app.get(QueueManager);
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

    it('adds an answer, refreshes the cached question and notifies the asker through a job', async () => {
      const question = await json(await fetch(`${url}/questions/1`)); // now cached
      const answerer = question.author.id === 1 ? 2 : 1;
      const response = await post('/questions/1/answers', {
        authorId: answerer,
        body: '  Use a tagged cache.  ',
      });
      expect(response.status).toBe(201);
      const answer = await json(response);
      expect(answer).toMatchObject({ body: 'Use a tagged cache.', author: { id: answerer } });

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
      [
        { authorId: 'x', body: 'hi' },
        400,
        'authorId: Invalid input: expected number, received string',
      ],
      [{ authorId: 1, body: '   ' }, 400, 'body: Too small'],
      [{}, 400, 'authorId: Invalid input'],
      [{ authorId: 99_999, body: 'hi' }, 400, 'authorId 99999 does not match any user.'],
    ])('rejects %j with %i and a message, adding nothing', async (body, status, message) => {
      const before = await json(await fetch(`${url}/questions/2`));
      const response = await post('/questions/2/answers', body);
      expect(response.status).toBe(status);
      expect(JSON.stringify(await json(response))).toContain(message);
      const after = await json(await fetch(`${url}/questions/2`));
      expect(after.answerCount).toBe(before.answerCount);
      expect(after.answers).toHaveLength(before.answers.length);
    });

    it('answers 404 for a missing question', async () => {
      const response = await post('/questions/99999999/answers', { authorId: 1, body: 'hi' });
      expect(response.status).toBe(404);
      expect(await json(response)).toMatchObject({ message: 'Question 99999999 was not found.' });
    });

    it('serves bull-board at /admin/queues with every queue, read-only for the in-process driver', async () => {
      const page = await fetch(`${url}/admin/queues`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const api = await json(
        await fetch(`${url}/admin/queues/api/queues?activeQueue=notifications&status=completed`),
      );
      const byName = Object.fromEntries(api.queues.map((q: { name: string }) => [q.name, q]));
      expect(Object.keys(byName).sort()).toEqual(['maintenance', 'notifications']);
      expect(byName.notifications).toMatchObject({ readOnlyMode: true });
      expect(byName.notifications.counts.completed).toBeGreaterThanOrEqual(1);
      expect(byName.notifications.jobs[0]).toMatchObject({ name: 'NotifyQuestionAuthor' });
    });
  },
);
