import { LatticeShutdown } from '@lattice/core';
import type { INestApplication } from '@nestjs/common';
import { startForum, tempSqliteUrl } from '../support/forum-app';

// Readiness (a balancer's or Kubernetes' probe) apart from liveness: /health/ready fails while
// draining or with a dependency down, /health/live only when the process is gone.
describe.each(['express', 'fastify'] as const)('readiness and liveness on %s', (platform) => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startForum(platform, { DATABASE_URL: tempSqliteUrl() }));
  });
  afterAll(() => app?.close());

  it('is ready while serving, then answers 503 once draining; liveness and /health stay 200', async () => {
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
    });

    expect(app.get(LatticeShutdown).startDraining()).toBe(true);
    const draining = await fetch(`${url}/health/ready`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({
      status: 'draining',
      message: expect.stringMatching(
        /^Shutting down since .+; send requests to another instance\.$/,
      ),
    });
    const live = await fetch(`${url}/health/live`);
    expect([live.status, await live.json()]).toEqual([200, { status: 'ok' }]);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });
});

describe('readiness with Redis down', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      REDIS_URL: 'redis://127.0.0.1:1',
      LOG_LEVEL: 'fatal',
    }));
  });
  afterAll(() => app?.close());

  it('answers 503 naming the dependency, while liveness stays 200 (an outage must not restart the process)', async () => {
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({
      status: 'error',
      info: { database: { status: 'up' } },
      error: { redis: { status: 'down' } },
    });
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
  });
});
