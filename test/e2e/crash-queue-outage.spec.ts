import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatticeModule } from '@lattice/core';
import { DatabaseModule, TransactionHost } from '@lattice/database';
import { OUTBOX_TABLE, OutboxModule } from '@lattice/database/outbox';
import { Job, QueueJob, QueueManager, QueueModule } from '@lattice/queue';
import { QueueOutbox, QueueOutboxModule } from '@lattice/queue/outbox';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { describeWith } from '../support/describe-with';
import { TEST_REDIS_URL } from '../support/services';
import { TcpProxy } from '../support/tcp-proxy';
import { uniqueRedisPrefix } from '../support/test-resources';

/**
 * A job written to the outbox while Redis is down is not dropped: the write commits at once,
 * the relay keeps trying, and the job reaches the queue, once, when Redis is back.
 */
@QueueJob({ queue: 'outage-notices' })
class Notice extends Job<{ answerId: number }, void> {
  async handle(): Promise<void> {}
}

const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 30_000) => {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

describeWith(['redis'], 'outbox jobs while Redis is unreachable', () => {
  const file = join(tmpdir(), `lattice-outbox-outage-${randomUUID()}.sqlite`);
  let proxy: TcpProxy;
  let app: INestApplicationContext;

  beforeAll(async () => {
    const { hostname, port } = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start(hostname, Number(port));
    const redisUrl = new URL(TEST_REDIS_URL);
    redisUrl.host = proxy.address;
    @Module({
      imports: [
        LatticeModule.forRoot({
          env: {
            LOG_LEVEL: 'fatal',
            DATABASE_URL: `sqlite:${file}`,
            REDIS_URL: redisUrl.toString(),
            REDIS_KEY_PREFIX: uniqueRedisPrefix('outbox-outage'),
            REDIS_COMMAND_TIMEOUT_MS: '300',
            REDIS_CONNECT_TIMEOUT_MS: '300',
          },
          envFile: false,
          bootReport: false,
        }),
        DatabaseModule.forRoot({ synchronize: true }),
        QueueModule.forRoot({ worker: false, shutdownTimeoutMs: 1000 }),
        OutboxModule.forRoot({
          pollIntervalMs: 60_000,
          retryDelayMs: 50,
          maxRetryDelayMs: 200,
          deliveryTimeoutMs: 1000,
        }),
        QueueOutboxModule,
      ],
      providers: [Notice],
    })
    class OutboxOutageModule {}
    app = await NestFactory.createApplicationContext(OutboxOutageModule, {
      logger: false,
      abortOnError: false,
    });
  });
  afterAll(async () => {
    proxy?.setMode('pass');
    await app?.close();
    await proxy?.close();
    rmSync(file, { force: true });
  });

  it('commits the job with its write at once, retries while Redis is down, and queues it once when it is back', async () => {
    const dataSource = app.get(DataSource);
    const row = async (id: string) =>
      (
        (await dataSource.query(
          `SELECT attempts, done_at, last_error FROM ${OUTBOX_TABLE} WHERE id = ?`,
          [id],
        )) as { attempts: number; done_at: unknown; last_error: string | null }[]
      )[0];
    proxy.setMode('refuse');
    const id = await app
      .get(TransactionHost)
      .run(() => app.get(QueueOutbox).dispatch(Notice, { answerId: 7 }));
    // Tried, failed, kept: a second try came after a backoff.
    await waitFor(async () => Number((await row(id)).attempts) >= 2, 'two failed tries');
    const pending = await row(id);
    expect(pending.done_at).toBeNull();
    expect(pending.last_error).toEqual(expect.any(String));

    proxy.setMode('pass');
    await waitFor(async () => (await row(id)).done_at !== null, 'the job relayed');
    const job = await app.get(QueueManager).job('outage-notices', id);
    expect(job).toMatchObject({ id, name: 'Notice', data: { answerId: 7 } });
    const queued = await app.get(QueueManager).jobs('outage-notices', ['waiting', 'delayed']);
    expect(queued.map((j) => j.id)).toEqual([id]);
  }, 60_000);
});
