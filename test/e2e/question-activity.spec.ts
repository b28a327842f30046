import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QuestionActivityService } from '../../src/questions/question-activity.service';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { api, json, login, signUp, type ApiClient } from '../support/http';

describe.each(['express', 'fastify'] as const)(
  'question activity on state streams, on %s (seeded SQLite)',
  (platform) => {
    let app: INestApplication;
    let url: string;
    let member: ApiClient;

    beforeAll(async () => {
      ({ app, url } = await startForum(platform, {
        DATABASE_URL: tempSqliteUrl(),
        FORUM_SEED_ON_START: 'always',
      }));
      member = (await login(url, 'member@forum.example')).client;
    });
    afterAll(() => app?.close());

    it('records votes as events, starting from the seeded count, one per user, and projects the score', async () => {
      const question = await json(await fetch(`${url}/questions/3`)); // cached now
      const before = await json(await fetch(`${url}/questions/3/activity`));
      expect(before).toEqual({
        streamId: 'question:3',
        version: 0,
        score: question.score,
        answers: question.answerCount,
        lastActivityAt: null,
      });

      // A second member's vote, the member's vote, the same again (no change), then turned around.
      const other = (await signUp(url)).client;
      expect((await other.post('/questions/3/votes', { value: 1 })).status).toBe(201);
      for (const value of [1, 1, -1])
        expect((await member.post('/questions/3/votes', { value })).status).toBe(201);
      const after = await json(await fetch(`${url}/questions/3/activity`));
      expect(after).toMatchObject({
        version: 4,
        score: question.score + 1 - 1,
        answers: question.answerCount,
      });
      expect(Date.parse(after.lastActivityAt)).toBeGreaterThan(Date.now() - 60_000);
      // The cached question was flushed and shows the projected score.
      expect((await json(await fetch(`${url}/questions/3`))).score).toBe(question.score);
      const rows = (await app
        .get(DataSource)
        .query(
          `SELECT version, type FROM lattice_state_events WHERE stream_id = 'question:3' ORDER BY version`,
        )) as {
        type: string;
      }[];
      expect(rows.map((row) => row.type)).toEqual(['imported', 'voted', 'voted', 'vote-changed']);
    });

    it('counts a vote turned around once, however many requests turn it at the same moment', async () => {
      const voter = await signUp(url);
      const service = app.get(QuestionActivityService);
      expect((await voter.client.post('/questions/10/votes', { value: 1 })).status).toBe(201);
      const before = await json(await fetch(`${url}/questions/10/activity`));
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, () => service.vote(10, -1, Number(voter.user.id))),
      );
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
      for (const result of results)
        if (result.status === 'rejected')
          expect(String(result.reason)).toContain('This vote is already being counted.');
      const after = await json(await fetch(`${url}/questions/10/activity`));
      expect(after.score).toBe(before.score - 2);
      expect(after.version).toBe(before.version + 1);
    });

    it('refuses a vote without an account with 401, recording nothing', async () => {
      const response = await api(url).post('/questions/8/votes', { value: 1 });
      expect(response.status).toBe(401);
      expect(await json(await fetch(`${url}/questions/8/activity`))).toMatchObject({ version: 0 });
    });

    it('counts a new answer on the stream', async () => {
      const before = await json(await fetch(`${url}/questions/4/activity`));
      const question = await json(await fetch(`${url}/questions/4`));
      const response = await member.post('/questions/4/answers', {
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
      const bad = await member.post('/questions/5/votes', { value: 2 });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(await json(bad))).toContain('value');
      expect((await member.post('/questions/99999999/votes', { value: 1 })).status).toBe(404);
      expect((await fetch(`${url}/questions/99999999/activity`)).status).toBe(404);
      expect(await json(await fetch(`${url}/questions/5/activity`))).toMatchObject({ version: 0 });
    });

    it('shows any version of a stream on the development endpoint, to admins only', async () => {
      await member.post('/questions/6/votes', { value: 1 });
      await (await signUp(url)).client.post('/questions/6/votes', { value: 1 });
      expect((await fetch(`${url}/lattice/state/question:6`)).status).toBe(401);
      // The history says who voted: a member is refused (decision 0029).
      expect((await member.get(`/lattice/state/question:6`)).status).toBe(403);
      const admin = (await login(url, 'admin@forum.example')).client;
      const first = await json(await admin.get(`/lattice/state/question:6?version=1`));
      expect(first).toMatchObject({ streamId: 'question:6', latestVersion: 3, version: 1 });
      expect(first.history.map((e: { type: string }) => e.type)).toEqual(['imported']);
      const latest = await json(await admin.get(`/lattice/state/question:6`));
      expect(latest.state.score).toBe(first.state.score + 2);
      const unknown = await admin.get(`/lattice/state/questoin:6`);
      expect(unknown.status).toBe(400);
      expect((await json(unknown)).message).toContain('Did you mean "question"?');
      expect((await admin.get(`/lattice/state/question:6?version=x`)).status).toBe(400);
      expect((await admin.get(`/lattice/state/question:6?version=99`)).status).toBe(400);
    });
  },
);
