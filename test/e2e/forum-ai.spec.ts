import type { INestApplication } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { SimilarQuestions } from '../../src/ai/similar-questions.service';
import { TagSuggestions } from '../../src/ai/tag-suggestions.service';
import { describeWith } from '../support/describe-with';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { api, json, login, signUp, type ApiClient } from '../support/http';
import { TsProcess } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-resources';

/**
 * The Forum's AI features over HTTP, offline (no AI_BASE_URL): the moderation hold (a flagged
 * post is hidden from everyone but its author and the moderators until a moderator approves
 * it; an approved answer is counted once), the moderators' routes, answer summaries stored per
 * content, and similar questions and tags found over the seeded forum (decision 0037).
 */

const INSULT = 'You are a pathetic idiot and this forum is garbage, you morons.';
const LONG_ANSWER = [
  'Keyset pagination keeps deep pages fast because the database never counts the rows it skips.',
  'Sort on a unique pair such as the creation time and the id, and hand the client the last pair as a cursor.',
  'The next page asks for rows after that pair, which an index on both columns answers directly.',
  'Offsets, by contrast, read and throw away every earlier row, so page five hundred costs five hundred pages.',
  'Count the total separately and cache it, or show only a "next" link when the total does not matter.',
].join(' ');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function aiSuite(
  name: string,
  setup: () => Promise<{ env: Record<string, string>; cleanup?: () => Promise<void> }>,
) {
  describe(name, () => {
    let app: INestApplication;
    let url: string;
    let cleanup: (() => Promise<void>) | undefined;
    let member: { user: Record<string, unknown>; client: ApiClient };
    let moderator: ApiClient;
    let other: ApiClient;
    let sql: DataSource;

    beforeAll(async () => {
      const ready = await setup();
      cleanup = ready.cleanup;
      ({ app, url } = await startForum('express', { ...ready.env, FORUM_SEED_ON_START: 'always' }));
      sql = app.get(DataSource);
      member = await login(url, 'member@forum.example');
      moderator = (await login(url, 'moderator@forum.example')).client;
      other = (await signUp(url, 'Other Member')).client;
      await app.get(SimilarQuestions).ready();
    });
    afterAll(async () => {
      await app?.close();
      await cleanup?.();
    });

    it('holds a flagged question: hidden from lists and pages for others, marked for its author, listed once a moderator approves it', async () => {
      const asked = await member.client.post('/questions', {
        title: 'Why is everyone here so useless?',
        body: INSULT,
        tags: ['testing'],
      });
      expect(asked.status).toBe(201);
      const question = await json(asked);
      expect(question.status).toBe('held');

      const newest = async () =>
        (await json(await fetch(`${url}/questions?sort=-createdAt&limit=20`))).items.map(
          (q: { id: number }) => q.id,
        );
      expect(await newest()).not.toContain(question.id);
      expect((await fetch(`${url}/questions/${question.id}`)).status).toBe(404);
      expect((await other.get(`/questions/${question.id}`)).status).toBe(404);
      expect((await fetch(`${url}/q/${question.id}`)).status).toBe(404);
      const own = await member.client.get(`/q/${question.id}`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain('Awaiting review');
      expect((await json(await member.client.get(`/questions/${question.id}`))).status).toBe(
        'held',
      );
      expect(await app.get(SimilarQuestions).similar(question.title, 10)).not.toContainEqual(
        expect.objectContaining({ id: question.id }),
      );

      const queue = await json(await moderator.get('/moderation/queue'));
      expect(queue).toContainEqual(
        expect.objectContaining({
          kind: 'question',
          id: question.id,
          reason: expect.stringContaining('insult'),
        }),
      );

      expect((await moderator.post(`/moderation/question/${question.id}/approve`)).status).toBe(
        204,
      );
      expect((await moderator.post(`/moderation/question/${question.id}/approve`)).status).toBe(
        409,
      );
      expect(await newest()).toContain(question.id);
      expect((await fetch(`${url}/questions/${question.id}`)).status).toBe(200);
      expect(await app.get(SimilarQuestions).similar(question.title, 3)).toContainEqual(
        expect.objectContaining({ id: question.id }),
      );
    });

    it('holds a flagged answer uncounted; approving counts it once (row and event together), rejecting hides it for good', async () => {
      const activity = async () => (await json(await fetch(`${url}/questions/3/activity`))).answers;
      const visible = async (client?: ApiClient) =>
        (await json(await (client ?? api(url)).get('/questions/3'))).answers.map(
          (a: { id: number }) => a.id,
        );
      const before = await activity();

      const held = await json(await member.client.post('/questions/3/answers', { body: INSULT }));
      expect(held.status).toBe('held');
      const rejected = await json(
        await member.client.post('/questions/3/answers', { body: `${INSULT} Again.` }),
      );
      expect(rejected.status).toBe('held');
      expect(await activity()).toBe(before);
      expect(await visible()).not.toContain(held.id);
      expect(await visible(other)).not.toContain(held.id);
      expect(await visible(member.client)).toContain(held.id);
      expect(await visible(moderator)).toContain(held.id);

      expect((await moderator.post(`/moderation/answer/${held.id}/approve`)).status).toBe(204);
      expect((await moderator.post(`/moderation/answer/${rejected.id}/reject`)).status).toBe(204);
      expect((await moderator.post(`/moderation/answer/${held.id}/approve`)).status).toBe(409);
      expect(await activity()).toBe(before + 1);
      expect(await visible()).toContain(held.id);
      expect(await visible()).not.toContain(rejected.id);
      // The projection agrees with the stream, and the stream counted the approved answer once.
      const row = await json(await fetch(`${url}/questions/3`));
      expect(row.answerCount).toBe(before + 1);
      const [{ n }] = await sql.query(
        `SELECT COUNT(*) AS n FROM lattice_state_events WHERE stream_id = 'question:3' AND type = 'answered' AND payload LIKE ?`,
        [`%"answerId":${held.id}%`],
      );
      expect(Number(n)).toBe(1);
      const queue = await json(await moderator.get('/moderation/queue'));
      expect(queue.map((p: { id: number }) => p.id)).not.toEqual(expect.arrayContaining([held.id]));
    });

    it('lets only moderators see the queue and decide (401 without an account, 403 for members)', async () => {
      const answer = await json(await other.post('/questions/4/answers', { body: INSULT }));
      expect(answer.status).toBe('held');
      for (const [client, expected] of [
        [api(url), 401],
        [member.client, 403],
        [other, 403],
      ] as const) {
        expect((await client.get('/moderation/queue')).status).toBe(expected);
        expect((await client.get('/moderation')).status).toBe(expected);
        expect((await client.post(`/moderation/answer/${answer.id}/approve`)).status).toBe(
          expected,
        );
        expect((await client.post(`/moderation/answer/${answer.id}/reject`)).status).toBe(expected);
      }
      expect((await moderator.get('/moderation')).status).toBe(200);
      expect((await moderator.post(`/moderation/answer/${answer.id}/reject`)).status).toBe(204);
      expect((await moderator.post('/moderation/poll/1/approve')).status).toBe(400);
      expect((await moderator.post('/moderation/answer/99999999/approve')).status).toBe(404);
    });

    it('publishes a clean post at once', async () => {
      const answer = await json(
        await member.client.post('/questions/5/answers', { body: 'Use a tagged cache.' }),
      );
      expect(answer.status).toBe('published');
      expect((await json(await fetch(`${url}/questions/5`))).answers).toContainEqual(
        expect.objectContaining({ id: answer.id }),
      );
    });

    it('stores a one-line summary of a long answer with the hash of its body, and of the seed’s long answers when their page is first shown', async () => {
      const posted = await json(
        await member.client.post('/questions/6/answers', { body: LONG_ANSWER }),
      );
      expect(posted.summary).toEqual(expect.any(String));
      expect(posted.summary.length).toBeGreaterThan(20);
      expect(posted.summary.length).toBeLessThan(LONG_ANSWER.length);
      expect(LONG_ANSWER).toContain(posted.summary.replace(/…$/, ''));
      const fetched = (await json(await fetch(`${url}/questions/6`))).answers.find(
        (a: { id: number }) => a.id === posted.id,
      );
      expect(fetched).toMatchObject({ summary: posted.summary, summaryHash: sha256(LONG_ANSWER) });
      expect(await fetch(`${url}/q/6`).then((r) => r.text())).toContain('In short:');

      const [seeded] = await sql.query(
        `SELECT a.id AS id, a.question_id AS question FROM answers a WHERE a.summary IS NULL AND LENGTH(a.body) >= 400 ORDER BY a.id LIMIT 1`,
      );
      expect(seeded).toBeDefined();
      const page = await (await fetch(`${url}/q/${seeded.question}`)).text();
      expect(page).toContain('In short:');
      const [stored] = await sql.query(
        'SELECT summary, summary_hash AS hash, body FROM answers WHERE id = ?',
        [seeded.id],
      );
      expect(stored.summary).toEqual(expect.any(String));
      expect(stored.hash).toBe(sha256(stored.body));
      // Shown again: the stored summary, not a new one.
      await fetch(`${url}/q/${seeded.question}`);
      const [again] = await sql.query(
        'SELECT summary, summary_hash AS hash FROM answers WHERE id = ?',
        [seeded.id],
      );
      expect(again).toEqual({ summary: stored.summary, hash: stored.hash });
    });

    it('finds similar seeded questions and suggests their tags, offline', async () => {
      const similar = await app
        .get(SimilarQuestions)
        .similar('How can I debug a stalled BullMQ worker?', 5);
      expect(similar.length).toBeGreaterThan(0);
      expect(similar.filter((q) => /bullmq/i.test(q.title)).length).toBeGreaterThanOrEqual(3);
      const tags = (await json(await fetch(`${url}/tags`))).map((t: { name: string }) => t.name);
      const suggested = await app
        .get(TagSuggestions)
        .suggest('How can I debug a stalled BullMQ worker?', tags, similar);
      expect(suggested[0]).toBe('bullmq');
    });
  });
}

aiSuite('the Forum’s AI features on SQLite (seeded, offline)', async () => ({
  env: { DATABASE_URL: tempSqliteUrl() },
}));

describeWith(['mysql'], 'the Forum’s AI features on MariaDB', () => {
  let database: TestDatabase;
  aiSuite('(seeded, offline)', async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url };
    // The Forum migrates only SQLite at start; MySQL is migrated by the command line.
    const migrate = new TsProcess('src/cli.ts', env, ['db:migrate']);
    const exit = await migrate.exited;
    if (exit.code !== 0) throw new Error(`db:migrate failed:\n${migrate.output.stderr}`);
    return { env, cleanup: () => database.drop() };
  });
});
