import type { INestApplication } from '@nestjs/common';
import { MigrationService } from '@lattice/database';
import { QueueManager } from '@lattice/queue';
import { DataSource } from 'typeorm';
import { Question } from '../../src/questions/question.entity';
import { User } from '../../src/users/user.entity';
import { describeWith } from '../support/describe-with';
import { TsProcess } from '../support/processes';
import { startForum } from '../support/forum-app';
import { api, signUp } from '../support/http';
import { TEST_REDIS_URL } from '../support/services';
import { createTestDatabase, TestDatabase, uniqueRedisPrefix } from '../support/test-resources';
import { PROCESS_TEST_MS, waitFor } from '../support/wait';

describeWith(['mysql', 'redis'], 'Lattice Forum on MySQL and Redis (real services)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    env = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('forum'),
    };
    // On MySQL, migrations are a deploy step: run them first, from an app without queue workers,
    // as a deploy would. The app with workers runs the tag-statistics job at boot, and that job
    // must find its tables (it used to fail with "Table …tags doesn't exist" and retry later).
    const deploy = await startForum('express', { ...env, QUEUE_WORKERS: 'off' });
    try {
      await deploy.app.get(MigrationService).run();
    } finally {
      await deploy.app.close();
    }
    ({ app, url } = await startForum('express', env));
  });
  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('reports MySQL and Redis healthy and the Redis drivers selected', async () => {
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: {
        database: { status: 'up', driver: 'mysql' },
        redis: { status: 'up', latencyMs: expect.any(Number) },
      },
      drivers: {
        database: 'mysql',
        cache: 'redis',
        queue: 'bullmq',
        state: 'redis',
        events: 'redis',
        pubsub: 'redis',
      },
    });
  });

  it(
    'queues the answer notice on BullMQ and lists the queues with `lattice queue:list`',
    async () => {
      // An asker, a question and an answerer who signs up (accounts, sessions and the audit log are
      // in MySQL too; beforeAll ran the migrations).
      const data = app.get(DataSource);
      const asker = await data
        .getRepository(User)
        .save({ name: 'Asker', email: 'asker@example.com' });
      const answerer = await signUp(url, 'Answerer');
      const question = await data.getRepository(Question).save({
        title: 'Does the queue work on MySQL?',
        body: 'Asking for a friend.',
        author: asker,
      });

      const response = await answerer.client.post(`/questions/${question.id}/answers`, {
        body: 'It does.',
      });
      expect(response.status).toBe(201);
      const audit = (await data.query(
        'SELECT type, actor_id FROM lattice_audit_log ORDER BY seq',
      )) as Array<{ type: string; actor_id: string }>;
      expect(audit).toContainEqual(
        expect.objectContaining({
          type: expect.stringContaining('register'),
          actor_id: answerer.user.id,
        }),
      );
      // MySQL's collation ignores accents: a look-alike email must not log in as (or lock) the account.
      const lookAlike = await api(url).post('/auth/login', {
        username: String(answerer.user.username).replace('m', 'ḿ'),
        password: 'correct horse battery',
      });
      expect(lookAlike.status).toBe(401);
      const queues = app.get(QueueManager);
      expect(queues.driverKind).toBe('bullmq');
      const [done] = await waitFor(
        async () => {
          const completed = await queues.jobs('notifications', ['completed']);
          return completed.length > 0 && completed;
        },
        { what: 'the notice job to complete' },
      );
      expect(done.returnValue).toEqual({ notified: asker.id });

      const cli = new TsProcess('src/cli.ts', { ...env, LOG_LEVEL: 'error' }, ['queue:list']);
      const { code } = await cli.exited;
      const { stdout, stderr } = cli.output;
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toMatch(
        /│ Queue\s+│ State\s+│ Waiting\s+│ Prioritized\s+│ Delayed\s+│ Active\s+│ Children\s+│ Completed\s+│ Failed/,
      );
      expect(stdout).toMatch(
        /│ notifications\s+│ running\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│ 1\s+│ 0\s+│/,
      );
      expect(stdout).toMatch(/│ maintenance\s+│ running/);
      expect(stdout).toContain('2 queues on bullmq');
    },
    PROCESS_TEST_MS,
  );
});
