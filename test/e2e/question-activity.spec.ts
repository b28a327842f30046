import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { startForum, tempSqliteUrl } from '../support/forum-app';

describe.each(['express', 'fastify'] as const)(
  'question activity on state streams, on %s (seeded SQLite)',
  (platform) => {
    let app: INestApplication;
    let url: string;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json = (response: Response) => response.json() as Promise<Record<string, any>>;
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
    });
    afterAll(() => app?.close());

    it('records votes as events, starting from the seeded count, and projects the score', async () => {
      const question = await json(await fetch(`${url}/questions/3`)); // cached now
      const before = await json(await fetch(`${url}/questions/3/activity`));
      expect(before).toEqual({
        streamId: 'question:3',
        version: 0,
        score: question.score,
        answers: question.answerCount,
        lastActivityAt: null,
      });

      for (const value of [1, 1, -1])
        expect((await post('/questions/3/votes', { value })).status).toBe(201);
      const after = await json(await fetch(`${url}/questions/3/activity`));
      expect(after).toMatchObject({
        version: 4,
        score: question.score + 1,
        answers: question.answerCount,
      });
      expect(Date.parse(after.lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
      // The cached question was flushed and shows the projected score.
      expect((await json(await fetch(`${url}/questions/3`))).score).toBe(question.score + 1);
      const rows = (await app
        .get(DataSource)
        .query(
          `SELECT version, type FROM lattice_state_events WHERE stream_id = 'question:3' ORDER BY version`,
        )) as {
        type: string;
      }[];
      expect(rows.map((row) => row.type)).toEqual(['imported', 'voted', 'voted', 'voted']);
    });

    it('counts a new answer on the stream', async () => {
      const before = await json(await fetch(`${url}/questions/4/activity`));
      const question = await json(await fetch(`${url}/questions/4`));
      const response = await post('/questions/4/answers', {
        authorId: question.author.id === 1 ? 2 : 1,
        body: 'Counted on the stream.',
      });
      expect(response.status).toBe(201);
      const after = await json(await fetch(`${url}/questions/4/activity`));
      expect(after).toMatchObject({
        version: before.version + 2,
        answers: question.answerCount + 1,
      });
      expect((await json(await fetch(`${url}/questions/4`))).answerCount).toBe(
        question.answerCount + 1,
      );
    });

    it('refuses a bad vote with 400 and an unknown question with 404, recording nothing', async () => {
      const bad = await post('/questions/5/votes', { value: 2 });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await json(bad))).toContain('value');
      expect((await post('/questions/99999999/votes', { value: 1 })).status).toBe(404);
      expect((await fetch(`${url}/questions/99999999/activity`)).status).toBe(404);
      expect(await json(await fetch(`${url}/questions/5/activity`))).toMatchObject({ version: 0 });
    });

    it('shows any version of a stream on the development endpoint', async () => {
      await post('/questions/6/votes', { value: 1 });
      await post('/questions/6/votes', { value: 1 });
      const first = await json(await fetch(`${url}/lattice/state/question:6?version=1`));
      expect(first).toMatchObject({ streamId: 'question:6', latestVersion: 3, version: 1 });
      expect(first.history.map((e: { type: string }) => e.type)).toEqual(['imported']);
      const latest = await json(await fetch(`${url}/lattice/state/question:6`));
      expect(latest.state.score).toBe(first.state.score + 2);
      const unknown = await fetch(`${url}/lattice/state/questoin:6`);
      expect(unknown.status).toBe(400);
      expect((await json(unknown)).message).toContain('Did you mean "question"?');
      expect((await fetch(`${url}/lattice/state/question:6?version=x`)).status).toBe(400);
      expect((await fetch(`${url}/lattice/state/question:6?version=99`)).status).toBe(400);
    });
  },
);
