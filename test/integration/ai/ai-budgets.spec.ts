import { LatticeModule } from '@lattice/core';
import { CacheModule } from '@lattice/cache';
import {
  AI_BUDGETS_CLOCK,
  AI_MODULE_OPTIONS,
  AiBudgetExceededException,
  AiBudgets,
  AiCall,
  AiModuleOptions,
  AIResponse,
} from '@lattice/ai';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';

// Budgets on their own, with hand-made calls and a clock the tests move, on memory and on Redis.

/** A clock the tests move: 10:00:30 UTC on a day of 2026, so a minute window resets at 10:01. */
function testClock() {
  const clock = { now: Date.UTC(2026, 5, 15, 10, 0, 30) };
  return clock;
}

async function boot(
  env: Record<string, string>,
  options: AiModuleOptions,
  clock: { now: number },
  withCacheModule = true,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      ...(withCacheModule ? [CacheModule.forRoot({ tagCleanupIntervalMs: 0 })] : []),
    ],
    providers: [
      { provide: AI_MODULE_OPTIONS, useValue: options },
      { provide: AI_BUDGETS_CLOCK, useValue: () => clock.now },
      AiBudgets,
    ],
  })
  class AiBudgetsTestModule {}
  return NestFactory.createApplicationContext(AiBudgetsTestModule, {
    logger: false,
    abortOnError: false,
  });
}

let ids = 0;
function call(user?: string): AiCall {
  return {
    id: `call-${++ids}`,
    operation: 'generate',
    request: { prompt: 'Hi', user },
    chain: ['openai'],
    user,
    startedAt: Date.now(),
    flags: [],
    signal: new AbortController().signal,
  };
}

function used(totalTokens: number, cost = 0, cached = false): AIResponse {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { promptTokens: totalTokens, completionTokens: 0, totalTokens },
    latencyMs: 5,
    cost,
    cached,
    fallbacks: [],
    flags: [],
  };
}

async function refusal(check: Promise<void>): Promise<AiBudgetExceededException> {
  const outcome = await check.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof AiBudgetExceededException))
    throw new Error(`expected a refusal, got ${String(outcome)}`);
  return outcome;
}

function budgetSuite(driver: 'memory' | 'redis', env: () => Record<string, string>) {
  let app: INestApplicationContext;
  let budgets: AiBudgets;
  let clock: { now: number };
  /** Each test its own users and its own minute (the app budget is shared by the whole suite). */
  let minute = 0;
  const freshMinute = () => {
    clock.now = Date.UTC(2026, 5, 15, 10, ++minute * 2, 30);
  };

  beforeAll(async () => {
    clock = testClock();
    app = await boot(
      env(),
      {
        budgets: {
          perUser: { tokens: 100, period: 'minute' },
          app: { tokens: 1_000, cost: 1, period: 'minute' },
        },
      },
      clock,
    );
    budgets = app.get(AiBudgets);
  });
  afterAll(() => app?.close());
  beforeEach(freshMinute);

  it(`counts on the ${driver} store`, () => {
    expect(budgets.describe()).toBe(
      `budgets: per user 100 tokens per minute, app 1000 tokens and 1 cost per minute, counted ${
        driver === 'redis' ? 'in Redis (shared by every node)' : 'in this process'
      }`,
    );
  });

  it('refuses a user at the limit with a 429 saying whose budget, the limit, the use and the reset', async () => {
    await budgets.check(call('ada'));
    await budgets.charge(call('ada'), used(60));
    await budgets.check(call('ada')); // 60 of 100: still allowed
    await budgets.charge(call('ada'), used(40));

    const error = await refusal(budgets.check(call('ada')));
    expect(error.getStatus()).toBe(429);
    const resetsAt = new Date(Math.ceil((clock.now + 1) / 60_000) * 60_000);
    expect(error.refusal).toEqual({
      scope: 'user',
      user: 'ada',
      measure: 'tokens',
      limit: 100,
      used: 100,
      period: 'minute',
      resetsAt,
      retryAfterSeconds: 30,
    });
    expect(error.message).toBe(
      `The AI budget of user "ada" is spent: 100 tokens per minute, 100 used. It resets at ${resetsAt.toISOString()} (in 30 s).`,
    );
    expect(error.headers).toEqual({ 'Retry-After': '30' });
    await budgets.check(call('grace')); // another user is not refused
  });

  it('starts afresh in the next window', async () => {
    await budgets.charge(call('bob'), used(150));
    await refusal(budgets.check(call('bob')));
    clock.now += 29_000; // 10:xx:59: same window
    await refusal(budgets.check(call('bob')));
    clock.now += 1_000; // the next minute
    await budgets.check(call('bob'));
    expect((await budgets.remaining('bob')).user).toMatchObject({
      tokens: { limit: 100, used: 0, remaining: 100 },
    });
  });

  it('counts calls without a user for the app only, and refuses everyone when the app is spent', async () => {
    await budgets.charge(call(), used(900));
    expect(await budgets.remaining()).toEqual({
      app: expect.objectContaining({ tokens: { limit: 1_000, used: 900, remaining: 100 } }),
    });
    await budgets.check(call());
    await budgets.charge(call('carol'), used(100)); // counts for carol and for the app
    const forAnonymous = await refusal(budgets.check(call()));
    expect(forAnonymous.refusal).toMatchObject({ scope: 'app', measure: 'tokens', used: 1_000 });
    expect(forAnonymous.message).toMatch(/^The app's AI budget is spent: 1,000 tokens per minute/);
    const forDave = await refusal(budgets.check(call('dave')));
    expect(forDave.refusal.scope).toBe('app');
  });

  it('refuses on money as well as tokens', async () => {
    await budgets.charge(call('erin'), used(1, 0.6));
    await budgets.check(call('erin'));
    await budgets.charge(call('frank'), used(1, 0.45));
    const error = await refusal(budgets.check(call('erin')));
    expect(error.refusal).toMatchObject({ scope: 'app', measure: 'cost', limit: 1 });
    expect(error.refusal.used).toBeCloseTo(1.05, 10);
  });

  it('does not charge cache hits', async () => {
    await budgets.charge(call('gus'), used(500, 0, true));
    expect((await budgets.remaining('gus')).user?.tokens?.used).toBe(0);
  });

  it('reports what is left of a user’s and the app’s budgets, and when each resets', async () => {
    await budgets.charge(call('hana'), used(30, 0.25));
    const report = await budgets.remaining('hana');
    const resetsAt = new Date(Math.ceil((clock.now + 1) / 60_000) * 60_000);
    expect(report).toEqual({
      user: {
        scope: 'user',
        user: 'hana',
        period: 'minute',
        resetsAt,
        tokens: { limit: 100, used: 30, remaining: 70 },
      },
      app: {
        scope: 'app',
        period: 'minute',
        resetsAt,
        tokens: { limit: 1_000, used: 30, remaining: 970 },
        cost: { limit: 1, used: 0.25, remaining: 0.75 },
      },
    });
  });

  it('adds up concurrent charges exactly', async () => {
    await Promise.all(Array.from({ length: 50 }, () => budgets.charge(call('ivy'), used(2, 0.01))));
    const report = await budgets.remaining('ivy');
    expect(report.user?.tokens?.used).toBe(100);
    expect(report.app?.cost?.used).toBeCloseTo(0.5, 10);
  });
}

describe('AI budgets [memory]', () => {
  budgetSuite('memory', () => ({}));

  it('counts in this process without CacheModule, and does nothing without budgets', async () => {
    const clock = testClock();
    const [alone, none] = await Promise.all([
      boot({}, { budgets: { app: { tokens: 10, period: 'hour' } } }, clock, false),
      boot({}, {}, clock, false),
    ]);
    try {
      await alone.get(AiBudgets).charge(call(), used(10));
      await refusal(alone.get(AiBudgets).check(call()));
      await none.get(AiBudgets).charge(call('x'), used(1_000_000));
      await none.get(AiBudgets).check(call('x'));
      expect(none.get(AiBudgets).describe()).toBe('budgets: none');
      expect(await none.get(AiBudgets).remaining('x')).toEqual({});
    } finally {
      await Promise.all([alone.close(), none.close()]);
    }
  });
});

describeWith(['redis'], 'AI budgets [redis]', () => {
  const prefix = uniqueRedisPrefix('ai-budgets');
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  budgetSuite('redis', env);

  it('shares a budget between two app instances on one Redis', async () => {
    const clock = testClock();
    clock.now = Date.UTC(2026, 5, 16, 8, 0, 0); // a window no other test uses
    const options = { budgets: { perUser: { tokens: 100, period: 'hour' as const } } };
    const [a, b] = await Promise.all([boot(env(), options, clock), boot(env(), options, clock)]);
    try {
      await a.get(AiBudgets).charge(call('shared'), used(70));
      await b.get(AiBudgets).charge(call('shared'), used(30));
      const error = await refusal(a.get(AiBudgets).check(call('shared')));
      expect(error.refusal).toMatchObject({ scope: 'user', used: 100, retryAfterSeconds: 3600 });
      await refusal(b.get(AiBudgets).check(call('shared')));
      expect((await b.get(AiBudgets).remaining('shared')).user?.tokens).toEqual({
        limit: 100,
        used: 100,
        remaining: 0,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
