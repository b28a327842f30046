import type { INestApplication } from '@nestjs/common';
import { describeWith } from '../support/describe-with';
import { startForum } from '../support/forum-app';
import { TEST_REDIS_URL } from '../support/services';
import { createTestDatabase, TestDatabase, uniqueRedisPrefix } from '../support/test-resources';

describeWith(['mysql', 'redis'], 'Lattice Forum on MySQL and Redis (real services)', () => {
  let database: TestDatabase;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ({ app, url } = await startForum('express', {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('forum'),
    }));
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
});
