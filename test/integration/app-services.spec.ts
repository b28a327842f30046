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

  it('queues the answer notice on BullMQ and lists the queues with `lattice queue:list`', async () => {
    // On MySQL, migrations are a deploy step; run them here, then add an asker, a question and
    // an answerer who signs up (accounts, sessions and the audit log are in MySQL too).
    await app.get(MigrationService).run();
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
    for (let deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
      const [done] = await queues.jobs('notifications', ['completed']);
      if (done) {
        expect(done.returnValue).toEqual({ notified: asker.id });
        break;
      }
      if (Date.now() > deadline) throw new Error('the notice job did not complete');
    }

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
  }, 60_000);
});
