import { DataSource } from 'typeorm';
import { describeWith } from '../support/describe-with';
import { tempSqliteUrl } from '../support/forum-app';
import { api, json, signUp, type ApiClient } from '../support/http';
import { freePort, TsProcess } from '../support/processes';
import { TEST_REDIS_URL } from '../support/services';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../support/test-resources';
import { eventually } from '../support/wait';

/**
 * The Forum killed with SIGKILL while clients vote and answer, restarted, several times: every
 * acknowledged write is counted once, every stored row is counted, a retried vote changes
 * nothing and answers with the true score (decision 0025).
 */

const CYCLES = 3;
const CLIENTS = 6;

interface Sent {
  kind: 'vote' | 'answer';
  client: number;
  question: number;
  value?: 1 | -1;
  /** The HTTP status, or 'lost' when the process died before answering. */
  status: number | 'lost';
  answerId?: number;
  /** A server error's body, to name it when the test fails. */
  error?: string;
}

/** The Forum's tables, read and written straight in its database (beside the app). */
async function openTables(url: string): Promise<DataSource> {
  const dataSource = url.startsWith('sqlite:')
    ? new DataSource({
        type: 'better-sqlite3',
        database: url.slice('sqlite:'.length),
        timeout: 5000,
      })
    : new DataSource({ type: 'mysql', url });
  return dataSource.initialize();
}

function crashSuite(
  mode: string,
  setup: () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>,
) {
  describe(mode, () => {
    let env: Record<string, string>;
    let cleanup: () => Promise<void>;
    let forum: TsProcess | undefined;
    const forums: TsProcess[] = [];
    let url: string;
    let tables: DataSource;

    const start = async () => {
      const port = await freePort();
      forum = new TsProcess('src/main.ts', { ...env, PORT: String(port), HOST: '127.0.0.1' });
      forums.push(forum);
      await forum.waitFor(/ready on http/, 60_000);
      url = `http://127.0.0.1:${port}`;
      // Healthy soon after it listens: the first offline AI call (the similar-questions index
      // built after the start) loads wink's model synchronously, and a health check's 1 s
      // deadline can run out while it does on a loaded machine.
      await eventually(async () => expect((await fetch(`${url}/health`)).status).toBe(200));
      // Reconciliation runs after the start; wait for its report before reading the tables.
      const [, repaired] = (await forum.waitFor(
        /Reconciliation done: (\d+) of \d+/,
        60_000,
      )) as RegExpMatchArray;
      return Number(repaired);
    };

    beforeAll(async () => {
      ({ env, cleanup } = await setup());
    }, 60_000);
    afterAll(async () => {
      await forum?.stop('SIGKILL');
      await tables?.destroy();
      await cleanup?.();
    });

    it('counts every acknowledged write once and every stored row after SIGKILLs at random points, and repairs what older versions left', async () => {
      await start();
      tables = await openTables(env.DATABASE_URL);
      const clients: ApiClient[] = [];
      const tokens: string[] = [];
      const userIds: number[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const member = await signUp(url, `Crash ${i}`);
        tokens.push(member.accessToken);
        userIds.push(Number(member.user.id));
        clients.push(member.client);
      }
      const page = await json(await fetch(`${url}/questions?limit=3`));
      const questions = (page.items as { id: number }[]).map((q) => q.id);
      expect(questions).toHaveLength(3);
      // A member whose rows the last restart finds as an older version would have left them.
      const old = await signUp(url, 'Old data');
      const oldAnswer = await json(
        await old.client.post(`/questions/${questions[0]}/answers`, { body: 'kept' }),
      );

      // Where each question starts: the stream's counts (or the row's, before the stream) and
      // the rows then.
      const baseline = new Map<
        number,
        { score: number; answers: number; votes: number; rows: number }
      >();
      for (const id of questions) {
        const activity = await json(await fetch(`${url}/questions/${id}/activity`));
        const truth = await rowsOf(tables, id);
        baseline.set(id, { score: activity.score, answers: activity.answers, ...truth });
      }

      /** Stream counts = baseline + rows added since, and the columns project the stream. */
      const verify = async () => {
        for (const id of questions) {
          const base = baseline.get(id)!;
          const truth = await rowsOf(tables, id);
          const activity = await json(await fetch(`${url}/questions/${id}/activity`));
          expect({ question: id, score: activity.score, answers: activity.answers }).toEqual({
            question: id,
            score: base.score + truth.votes - base.votes,
            answers: base.answers + truth.rows - base.rows,
          });
          const [row] = await select<{ score: number; answer_count: number }>(
            tables,
            'SELECT score, answer_count FROM questions WHERE id = ?',
            [id],
          );
          expect({
            question: id,
            score: Number(row.score),
            answers: Number(row.answer_count),
          }).toEqual({
            question: id,
            score: activity.score,
            answers: activity.answers,
          });
        }
      };

      /**
       * What the old code could leave while the Forum is down: a vote row its stream never
       * counted, an answer deleted without its event, a stale projection.
       */
      const leaveOldData = async () => {
        const now = new Date(Date.now() + 1000).toISOString().slice(0, 19).replace('T', ' ');
        await tables.query(
          'INSERT INTO votes (user_id, question_id, value, created_at, updated_at) VALUES (?, ?, 1, ?, ?)',
          [old.user.id, questions[0], now, now],
        );
        await tables.query('UPDATE answers SET deleted_at = ? WHERE id = ?', [now, oldAnswer.id]);
        await tables.query('UPDATE questions SET score = score + 100 WHERE id = ?', [questions[0]]);
      };

      const sent: Sent[] = [];
      let acknowledged = 0;
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const clientsNow = tokens.map((token) => api(url, token));
        // Kill after a random number of acknowledged writes: a random point of the stream.
        const target = acknowledged + 4 + Math.floor(Math.random() * 12);
        const current = forum!;
        let killed = false;
        const kill = () => {
          if (killed) return;
          killed = true;
          current.child.kill('SIGKILL');
        };
        await Promise.all(
          clientsNow.map(async (client, index) => {
            while (!killed) {
              const question = questions[Math.floor(Math.random() * questions.length)];
              const entry: Sent =
                Math.random() < 0.75
                  ? {
                      kind: 'vote',
                      client: index,
                      question,
                      value: Math.random() < 0.5 ? 1 : -1,
                      status: 'lost',
                    }
                  : { kind: 'answer', client: index, question, status: 'lost' };
              sent.push(entry);
              try {
                const response =
                  entry.kind === 'vote'
                    ? await client.post(`/questions/${question}/votes`, { value: entry.value })
                    : await client.post(`/questions/${question}/answers`, {
                        body: `answer of cycle ${cycle}`,
                      });
                entry.status = response.status;
                if (response.status === 201 && entry.kind === 'answer')
                  entry.answerId = (await json(response)).id;
                if (response.status >= 500) entry.error = await response.text();
              } catch {
                return; // the process is gone: this request was not acknowledged
              }
              if (entry.status === 201 && ++acknowledged >= target) kill();
            }
          }),
        );
        await current.exited;
        if (cycle === CYCLES) await leaveOldData();
        const repaired = await start();
        // The writes were atomic: nothing left to repair, but for what leaveOldData() wrote.
        expect(repaired).toBe(cycle === CYCLES ? 1 : 0);
        await verify();
      }
      expect(forum!.output.stdout).toMatch(
        new RegExp(
          `Reconciled question ${questions[0]}: 1 vote\\(s\\) and 0 answer\\(s\\) counted, 1 deleted answer\\(s\\) uncounted`,
        ),
      );
      // The vote row restored to the count is the gate: the same vote again changes nothing.
      const counted = await json(await fetch(`${url}/questions/${questions[0]}/activity`));
      const again = await json(
        await api(url, old.accessToken).post(`/questions/${questions[0]}/votes`, { value: 1 }),
      );
      expect(again).toMatchObject({ score: counted.score, version: counted.version });
      // The clients wrote between the kills (not only got errors).
      expect(acknowledged).toBeGreaterThanOrEqual(CYCLES * 4);
      expect(sent.filter((s) => s.status === 'lost').length).toBeGreaterThan(0);
      // Refusals (429 over the write limits) are fine; a server error is not. The app's error
      // lines go into the failure message, to name the cause.
      const serverErrors = sent.filter((s) => typeof s.status === 'number' && s.status >= 500);
      if (serverErrors.length > 0)
        throw new Error(
          `server errors: ${JSON.stringify(serverErrors)}\n` +
            forums
              .map((f) => `${f.output.stdout}\n${f.output.stderr}`)
              .join('\n')
              .split('\n')
              // An error line and the one after it (TypeORM puts the SQL there).
              .filter((line, i, all) => /ERROR|Error|at /.test(`${line} ${all[i - 1] ?? ''}`))
              .join('\n'),
        );

      // Every acknowledged answer is stored (and so counted, by verify()).
      const answerIds = sent.filter((s) => s.answerId !== undefined).map((s) => s.answerId!);
      const stored = await select<{ id: number }>(
        tables,
        `SELECT id FROM answers WHERE id IN (${answerIds.map(() => '?').join(',') || 'NULL'})`,
        answerIds,
      );
      expect(stored.map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(
        answerIds.sort((a, b) => a - b),
      );

      // Each member's vote row is their last acknowledged vote, or a later one that committed
      // before the kill took its answer away.
      for (let client = 0; client < CLIENTS; client++)
        for (const question of questions) {
          const votes = sent.filter(
            (s) => s.kind === 'vote' && s.client === client && s.question === question,
          );
          const lastAcked = votes.map((s) => s.status).lastIndexOf(201);
          if (lastAcked === -1) continue;
          const possible = new Set(
            votes
              .slice(lastAcked)
              .filter((s, i) => i === 0 || s.status === 'lost')
              .map((s) => s.value),
          );
          const [row] = await select<{ value: number }>(
            tables,
            'SELECT value FROM votes WHERE user_id = ? AND question_id = ?',
            [userIds[client], question],
          );
          expect(possible).toContain(Number(row?.value));
        }

      // A vote retried (the client never heard back, or did): 201, the true score, counted once.
      for (let client = 0; client < CLIENTS; client++) {
        const last = sent.filter((s) => s.kind === 'vote' && s.client === client).pop();
        if (!last) continue;
        const before = await json(await fetch(`${url}/questions/${last.question}/activity`));
        const [row] = await select<{ value: number }>(
          tables,
          'SELECT value FROM votes WHERE user_id = ? AND question_id = ?',
          [userIds[client], last.question],
        );
        const stored = row !== undefined && Number(row.value) === last.value;
        for (let attempt = 0; attempt < 2; attempt++) {
          const response = await api(url, tokens[client]).post(
            `/questions/${last.question}/votes`,
            {
              value: last.value,
            },
          );
          expect(response.status).toBe(201);
          const body = await json(response);
          const truth = await rowsOf(tables, last.question);
          const base = baseline.get(last.question)!;
          expect(body.score).toBe(base.score + truth.votes - base.votes);
          // Already stored: the retry appends nothing. Not stored: the first retry counts it once.
          expect(body.version).toBe(before.version + (stored ? 0 : 1));
        }
      }
      await verify();
    }, 240_000);
  });
}

function select<T>(tables: DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  return tables.query(sql, params) as Promise<T[]>;
}

/** A question's vote rows (sum of values) and live answer rows. */
async function rowsOf(tables: DataSource, question: number) {
  const [votes] = await select<{ total: number | null }>(
    tables,
    'SELECT SUM(value) AS total FROM votes WHERE question_id = ?',
    [question],
  );
  const [answers] = await select<{ n: number }>(
    tables,
    'SELECT COUNT(*) AS n FROM answers WHERE question_id = ? AND deleted_at IS NULL',
    [question],
  );
  return { votes: Number(votes.total ?? 0), rows: Number(answers.n) };
}

const secrets = {
  JWT_SECRET: 'crash-test-jwt-secret-of-more-than-32-bytes',
  LIVE_SECRET: 'crash-test-live-secret-of-more-than-32-characters',
  FORUM_SEED_ON_START: 'always',
};

describe('the Forum under SIGKILL', () => {
  crashSuite('on SQLite', async () => ({
    env: { ...secrets, DATABASE_URL: tempSqliteUrl() },
    cleanup: async () => undefined,
  }));
});

describeWith(['mysql', 'redis'], 'the Forum under SIGKILL on MariaDB + Redis', () => {
  let database: TestDatabase;
  crashSuite('on MariaDB + Redis', async () => {
    database = await createTestDatabase();
    const env = {
      ...secrets,
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('crash'),
    };
    // The Forum migrates only SQLite at start; MySQL is migrated by the command line.
    const migrate = new TsProcess('src/cli.ts', env, ['db:migrate']);
    const exit = await migrate.exited;
    if (exit.code !== 0) throw new Error(`db:migrate failed:\n${migrate.output.stderr}`);
    return { env, cleanup: () => database.drop() };
  });
});
