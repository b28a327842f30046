import { LatticeModule } from '@lattice/core';
import { QueueManager, QueueModule } from '@lattice/queue';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../support/describe-with';
import { TEST_REDIS_URL } from '../support/services';
import { TcpProxy, type ProxyMode } from '../support/tcp-proxy';
import { uniqueRedisPrefix } from '../support/test-resources';
import { CONTRACT_JOBS, Echo, Recorder } from '../integration/queue/fixtures/contract-jobs';

/**
 * Dispatching a job while Redis is away fails fast with an error naming Redis (the Forum's
 * outbox, or the caller, decides what to do with it) instead of waiting for Redis to return.
 */
const DEADLINE_MS = 500;
const ANSWER_WITHIN_MS = 4 * DEADLINE_MS; // a deadline or two plus BullMQ's own work

async function settle(work: PromiseLike<unknown>): Promise<{ error?: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work;
    return { ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describeWith(['redis'], 'queue producers when Redis is unreachable', () => {
  let proxy: TcpProxy;
  let app: INestApplicationContext;
  let queues: QueueManager;
  let keys = 0;

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
            REDIS_URL: redisUrl.toString(),
            REDIS_KEY_PREFIX: uniqueRedisPrefix('outage-queue'),
            REDIS_COMMAND_TIMEOUT_MS: String(DEADLINE_MS),
            REDIS_CONNECT_TIMEOUT_MS: String(DEADLINE_MS),
          },
          envFile: false,
          bootReport: false,
        }),
        QueueModule.forRoot({ shutdownTimeoutMs: 1000 }),
      ],
      providers: [Recorder, ...CONTRACT_JOBS],
    })
    class OutageQueueModule {}
    app = await NestFactory.createApplicationContext(OutageQueueModule, {
      logger: false,
      abortOnError: false,
    });
    queues = app.get(QueueManager);
  });
  afterAll(async () => {
    proxy?.setMode('pass');
    await app?.close();
    await proxy?.close();
  });

  it.each(['refuse', 'silent'] as ProxyMode[])(
    'in mode "%s", dispatch rejects within the deadline naming Redis, and works again once Redis is back',
    async (mode) => {
      expect((await settle(queues.dispatch(Echo, { key: `k${++keys}` }))).error).toBeUndefined();
      proxy.setMode(mode);
      try {
        for (let i = 0; i < 3; i++) {
          const outcome = await settle(queues.dispatch(Echo, { key: `k${++keys}` }));
          expect({ ms: outcome.ms < ANSWER_WITHIN_MS, error: outcome.error }).toMatchObject({
            ms: true,
            error: {
              code: 'LATTICE_SERVICE_UNAVAILABLE',
              message: expect.stringMatching(/^Redis is unreachable/),
            },
          });
        }
      } finally {
        proxy.setMode('pass');
      }
      // Recovers without a restart: poll until a dispatch goes through (bounded).
      const deadline = Date.now() + 15_000;
      for (;;) {
        const outcome = await settle(queues.dispatch(Echo, { key: `k${++keys}` }));
        if (!outcome.error) break;
        if (Date.now() > deadline) throw outcome.error;
        await new Promise((resolve) => setTimeout(resolve, 100)); // polling interval
      }
    },
    60_000,
  );
});
