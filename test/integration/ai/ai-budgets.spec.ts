import { LatticeModule } from '@lattice/core';
import { CacheModule } from '@lattice/cache';
import {
  AI_BUDGETS_CLOCK,
  AI_MODULE_OPTIONS,
  AiBudgetExceededException,
  AiBudgets,
  AiCall,
  AiModule,
  AiModuleOptions,
  AIManager,
  AIResponse,
  AiResponseCache,
} from '@lattice/ai';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describeWith } from '../../support/describe-with';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai';
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
      AiResponseCache, // budgets count on the AI cache's store
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

// ---- Through AIManager, against the fake OpenAI-compatible server ----

async function bootManager(
  env: Record<string, string>,
  fake: FakeOpenAi,
  options: AiModuleOptions,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      CacheModule.forRoot({ tagCleanupIntervalMs: 0 }),
      AiModule.forRoot({
        providers: [
          { name: 'openai', type: 'openai', baseURL: fake.url, apiKey: 'sk-test', attempts: 1 },
        ],
        models: [{ name: 'fake-chat', provider: 'openai' }],
        ...options,
      }),
    ],
  })
  class AiManagerBudgetsTestModule {}
  return NestFactory.createApplicationContext(AiManagerBudgetsTestModule, {
    logger: false,
    abortOnError: false,
  });
}

function managerSuite(driver: 'memory' | 'redis', env: () => Record<string, string>) {
  let fake: FakeOpenAi;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
  });
  afterEach(() => fake.reset());
  afterAll(() => fake?.close());

  it(`refuses a user's call at the limit with a 429 before anything is sent (${driver})`, async () => {
    const app = await bootManager(env(), fake, {
      budgets: { perUser: { tokens: 100, period: 'day' } },
    });
    try {
      const ai = app.get(AIManager);
      fake.always('/chat/completions', {
        content: 'ok',
        usage: { prompt_tokens: 40, completion_tokens: 20 },
      });
      const user = `${driver}-user-${Date.now()}`;
      await ai.generate({ prompt: 'one', user, cache: false });
      await ai.generate({ prompt: 'two', user, cache: false }); // 60 + 60: over, counted after
      const error = await refusal(
        ai.generate({ prompt: 'three', user, cache: false }).then(() => undefined),
      );
      expect(error.getStatus()).toBe(429);
      expect(error.refusal).toMatchObject({ scope: 'user', user, used: 120, limit: 100 });
      expect(error.message).toContain(
        `The AI budget of user "${user}" is spent: 100 tokens per day, 120 used.`,
      );
      expect(fake.requestsTo('/chat/completions')).toHaveLength(2);
      await ai.generate({ prompt: 'someone else', user: `${user}-2`, cache: false }); // others still may
      expect((await app.get(AiBudgets).remaining(user)).user?.tokens).toEqual({
        limit: 100,
        used: 120,
        remaining: 0,
      });
    } finally {
      await app.close();
    }
  });

  it(`counts streams too, and not cache hits (${driver})`, async () => {
    const app = await bootManager(env(), fake, {
      cache: { ttl: 60_000 },
      budgets: { app: { tokens: 1_000_000, period: 'hour' } },
    });
    try {
      const ai = app.get(AIManager);
      const budgets = app.get(AiBudgets);
      fake.always('/chat/completions', {
        content: 'streamed answer',
        usage: { prompt_tokens: 7, completion_tokens: 3 },
      });
      const before = (await budgets.remaining()).app!.tokens!.used;
      const prompt = `count me ${driver} ${Date.now()}`;
      const stream = ai.stream({ prompt });
      for await (const _chunk of stream) void _chunk;
      await stream.response;
      expect((await budgets.remaining()).app!.tokens!.used).toBe(before + 10);
      await ai.generate({ prompt: `${prompt} (generate)` });
      await ai.generate({ prompt: `${prompt} (generate)` }); // a hit
      expect((await budgets.remaining()).app!.tokens!.used).toBe(before + 20);
    } finally {
      await app.close();
    }
  });
}

describe('AI budgets through AIManager [memory]', () => {
  managerSuite('memory', () => ({}));
});

describeWith(['redis'], 'AI budgets through AIManager [redis]', () => {
  const prefix = uniqueRedisPrefix('ai-budgets-manager');
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  managerSuite('redis', env);

  it('two app instances on one Redis share a user’s budget', async () => {
    const fake = await startFakeOpenAi();
    const options = { budgets: { perUser: { tokens: 50, period: 'day' as const } } };
    const [a, b] = await Promise.all([
      bootManager(env(), fake, options),
      bootManager(env(), fake, options),
    ]);
    try {
      fake.always('/chat/completions', {
        content: 'ok',
        usage: { prompt_tokens: 20, completion_tokens: 10 },
      });
      const user = `shared-${Date.now()}`;
      await a.get(AIManager).generate({ prompt: 'on a', user });
      await b.get(AIManager).generate({ prompt: 'on b', user }); // 60 of 50 now
      await refusal(
        a
          .get(AIManager)
          .generate({ prompt: 'again on a', user })
          .then(() => undefined),
      );
      await refusal(
        b
          .get(AIManager)
          .generate({ prompt: 'again on b', user })
          .then(() => undefined),
      );
      expect(fake.requestsTo('/chat/completions')).toHaveLength(2);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await fake.close();
    }
  });
});
