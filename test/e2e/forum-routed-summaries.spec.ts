import { ClusterManager } from '@lattice/cluster';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { describeWith } from '../support/describe-with';
import { startFakeOpenAi, type FakeOpenAi } from '../support/fake-openai';
import { startForum } from '../support/forum-app';
import { TsProcess } from '../support/processes';
import { TEST_REDIS_URL } from '../support/services';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../support/test-resources';
import { PROCESS_TEST_MS, waitFor } from '../support/wait';

/**
 * Two Forum nodes on one MariaDB and one Redis; only one has an AI server (AI_BASE_URL, so the
 * cluster capability `ai`). A seeded question's page shown by the other node has its long answers
 * summarized on the node with the server (a routed job, decision 0047), and the next view shows it.
 */
const SUMMARY = 'The AI server summarized this answer on its own node.';

describeWith(
  ['mysql', 'redis'],
  'the Forum routes answer summaries to the node with the AI server',
  () => {
    jest.setTimeout(PROCESS_TEST_MS);
    let database: TestDatabase;
    let fake: FakeOpenAi;
    const apps: INestApplication[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      const env = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('forum-routed'),
      };
      const migrate = new TsProcess('src/cli.ts', env, ['db:migrate']);
      const exit = await migrate.exited;
      if (exit.code !== 0) throw new Error(`db:migrate failed:\n${migrate.output.stderr}`);
      fake = await startFakeOpenAi();
      fake.always('/chat/completions', { content: JSON.stringify({ summary: SUMMARY }) });
      apps.push(
        (
          await startForum('express', {
            ...env,
            AI_BASE_URL: fake.url,
            FORUM_SEED_ON_START: 'always',
          })
        ).app,
        (await startForum('express', env)).app,
      );
    });
    afterAll(async () => {
      for (const app of apps.splice(0)) await app.close();
      await fake?.close();
      await database?.drop();
    });

    it('summarizes older answers on the node with the server, shown by the node without it', async () => {
      const [withServer, without] = apps;
      const serverId = withServer.get(ClusterManager).nodeId;
      await without
        .get(ClusterManager)
        .waitFor((members) =>
          members.some((n) => n.id === serverId && n.capabilities.includes('ai')),
        );
      expect(without.get(ClusterManager).self.capabilities).toEqual([]);
      const sql = without.get(DataSource);
      const [seeded] = await sql.query(
        `SELECT a.id AS id, a.question_id AS question FROM answers a WHERE a.summary IS NULL AND LENGTH(a.body) >= 400 ORDER BY a.id LIMIT 1`,
      );
      expect(seeded).toBeDefined();
      const url = (await without.getUrl()).replace('[::1]', '127.0.0.1');

      expect((await fetch(`${url}/q/${seeded.question}`)).status).toBe(200);
      const stored = await waitFor(
        async () => {
          const [row] = await sql.query('SELECT summary FROM answers WHERE id = ?', [seeded.id]);
          return row?.summary as string | null;
        },
        { what: 'the routed job to store the summary' },
      );
      expect(stored).toContain('AI server summarized');
      expect(fake.requestsTo('/chat/completions').length).toBeGreaterThan(0);
      await waitFor(
        async () => (await (await fetch(`${url}/q/${seeded.question}`)).text()).includes(SUMMARY),
        {
          what: 'the next view on the node without the server to show the summary',
        },
      );
    });
  },
);
