import { LatticeModule, RedisConnections } from '@lattice/core';
import { runLatticeCli } from '@lattice/core/cli';
import { AiUsage, type AiCall, type AiCallOutcome } from '@lattice/ai';
import { AiCommandsModule } from '@lattice/ai/cli';
import { type INestApplicationContext, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';

function lattice(env: Record<string, string>) {
  return LatticeModule.forRoot({
    env: { LOG_LEVEL: 'error', ...env },
    envFile: false,
    bootReport: false,
  });
}

async function bootApp(env: Record<string, string>): Promise<INestApplicationContext> {
  @Module({ imports: [lattice(env)], providers: [AiUsage] })
  class UsageApp {}
  return NestFactory.createApplicationContext(UsageApp, { logger: false, abortOnError: false });
}

function outcome(user: string, model: string, error?: Error): AiCallOutcome {
  const call = {
    id: 'c',
    operation: 'generate',
    request: { model },
    chain: ['fake'],
    user,
    startedAt: Date.now() - 30,
    flags: [],
    signal: new AbortController().signal,
  } as AiCall;
  if (error) return { call, error };
  return {
    call,
    response: {
      provider: 'fake',
      model,
      usage: { promptTokens: 100, completionTokens: 20, totalTokens: 120 },
      latencyMs: 30,
      cost: 0.5,
      cached: false,
      fallbacks: [],
      flags: [],
    },
  };
}

describeWith(['redis'], 'AI usage on Redis', () => {
  const prefix = uniqueRedisPrefix('ai-usage');
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix };
  let first: INestApplicationContext;
  let second: INestApplicationContext;

  beforeAll(async () => {
    [first, second] = await Promise.all([bootApp(env), bootApp(env)]);
  });

  afterAll(async () => {
    const redis = first.get(RedisConnections).get();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await Promise.all([first.close(), second.close()]);
  });

  it('adds up what two processes count, and lattice ai:usage in a third prints it', async () => {
    const a = first.get(AiUsage);
    const b = second.get(AiUsage);
    expect(a.store.kind).toBe('redis');
    a.record(outcome('ana', 'gpt-small'));
    a.record(outcome('ana', 'gpt-small'));
    b.record(outcome('ana', 'gpt-small'));
    b.record(outcome('bo', 'gpt-large', Object.assign(new Error('down'), { provider: 'fake' })));
    await Promise.all([a.flush(), b.flush()]);

    expect(await b.summary({ groupBy: ['model', 'user'] })).toEqual([
      expect.objectContaining({ model: 'gpt-large', user: 'bo', calls: 1, errors: 1, cost: 0 }),
      expect.objectContaining({
        model: 'gpt-small',
        user: 'ana',
        calls: 3,
        promptTokens: 300,
        completionTokens: 60,
        cost: 1.5,
        p50Ms: 50,
      }),
    ]);

    @Module({ imports: [lattice(env), AiCommandsModule] })
    class UsageCli {}
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const code = await runLatticeCli(UsageCli, {
        argv: ['ai:usage', '--by', 'model'],
        logger: false,
      });
      expect(code).toBe(0);
    } finally {
      write.mockRestore();
    }
    const printed = out.join('');
    expect(printed).toMatch(
      /│ gpt-small │ 3\s+│ 300\s+│ 60\s+│ \$1\.5000 │ 0 \(0%\)\s+│ 0\s+│ 0\s+│ ≤ 50 ms/,
    );
    expect(printed).toMatch(/│ gpt-large │ 1\s+│ 0\s+│ 0\s+│ \$0\.0000 │ 0 \(0%\)\s+│ 1\s+│ 0 /);
    expect(printed).toContain('4 calls in the last 7 days (UTC), $1.5000, from the redis store.');
  });
});

describe('AI usage with Redis unreachable', () => {
  it('never fails a call: counts stay in memory and the outage is logged once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    // Port 1 refuses at once; the connection fails fast instead of queueing.
    const app = await bootApp({
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_CONNECT_TIMEOUT_MS: '200',
    });
    try {
      const usage = app.get(AiUsage);
      for (let i = 0; i < 3; i++) {
        expect(() => usage.record(outcome('ana', 'gpt-small'))).not.toThrow();
        await usage.flush();
      }
      const usageWarnings = warn.mock.calls.filter(([m]) => String(m).includes('AI usage store'));
      expect(usageWarnings).toHaveLength(1);
      expect(String(usageWarnings[0][0])).toMatch(/AI usage store \(redis\) failed/);
    } finally {
      warn.mockRestore();
      await app.close();
    }
  });
});
