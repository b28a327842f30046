import { Logger } from '@nestjs/common';
import type { AiCall, AiCallOutcome, AIResponse } from '../ai.interfaces';
import { AiUsage, dayRange } from './ai-usage';
import type { AiUsageEntry, AiUsageStore } from './ai-usage.interfaces';
import { AI_USAGE_LATENCY_BUCKETS_MS, bucketOf, quantileMs } from './ai-usage.histogram';
import { MemoryAiUsageStore } from './stores/memory-usage.store';

const today = new Date().toISOString().slice(0, 10);

function outcome(
  options: {
    user?: string;
    model?: string;
    latencyMs?: number;
    cached?: boolean;
    error?: unknown;
    operation?: AiCall['operation'];
  } = {},
): AiCallOutcome {
  const call: AiCall = {
    id: 'c',
    operation: options.operation ?? 'generate',
    request: { prompt: 'p', model: options.model ?? 'small' },
    chain: ['fake'],
    user: options.user,
    startedAt: Date.now() - (options.latencyMs ?? 100),
    flags: [],
    signal: new AbortController().signal,
  };
  if (options.error) return { call, error: options.error };
  const response: AIResponse = {
    provider: 'fake',
    model: options.model ?? 'small',
    usage: { promptTokens: 10, completionTokens: 5, totalTokens: 15 },
    latencyMs: options.latencyMs ?? 100,
    cost: options.cached ? 0 : 0.25,
    cached: options.cached ?? false,
    fallbacks: [],
    flags: [],
  };
  return { call, response };
}

/** A store that fails until told otherwise, counting what reached it. */
class FlakyStore implements AiUsageStore {
  readonly kind = 'flaky';
  readonly shared = true;
  failing = true;
  inner = new MemoryAiUsageStore();
  attempts = 0;
  add(entries: AiUsageEntry[]): Promise<void> {
    this.attempts++;
    if (this.failing) return Promise.reject(new Error('store down'));
    return this.inner.add(entries);
  }
  read(days: string[]): Promise<AiUsageEntry[]> {
    return this.inner.read(days);
  }
}

describe('AiUsage', () => {
  afterEach(() => jest.restoreAllMocks());

  it('counts calls by day, model and user, with tokens, cost, cache hits, errors, refusals and latency', async () => {
    // A failed call's latency is read from the clock: held still, so that a busy machine does
    // not move it past its bucket's bound between the outcome's making and its recording.
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now);
    const usage = new AiUsage();
    usage.record(outcome({ user: 'ana', latencyMs: 40 }));
    usage.record(outcome({ user: 'ana', latencyMs: 400 }));
    usage.record(outcome({ user: 'ana', cached: true, latencyMs: 0.4 }));
    usage.record(outcome({ user: 'bo', model: 'large', latencyMs: 3000 }));
    usage.record(
      outcome({
        user: 'bo',
        model: 'large',
        error: Object.assign(new Error('down'), { provider: 'fake' }),
      }),
    );
    usage.record(outcome({ user: 'bo', model: 'large', error: { getStatus: () => 422 } }));
    usage.record(outcome({ operation: 'embed' }));

    const rows = await usage.summary({ groupBy: ['day', 'model', 'user'] });
    expect(rows.map(({ latency: _latency, ...row }) => row)).toEqual([
      {
        day: today,
        model: 'large',
        user: 'bo',
        calls: 3,
        promptTokens: 10,
        completionTokens: 5,
        totalTokens: 15,
        cost: 0.25,
        cacheHits: 0,
        cacheHitRate: 0,
        errors: 1,
        refused: 1,
        p50Ms: 100,
        p95Ms: 5000,
      },
      {
        day: today,
        model: 'small',
        user: '-',
        calls: 1,
        promptTokens: 10,
        completionTokens: 5,
        totalTokens: 15,
        cost: 0.25,
        cacheHits: 0,
        cacheHitRate: 0,
        errors: 0,
        refused: 0,
        p50Ms: 100,
        p95Ms: 100,
      },
      {
        day: today,
        model: 'small',
        user: 'ana',
        calls: 3,
        promptTokens: 30,
        completionTokens: 15,
        totalTokens: 45,
        cost: 0.5,
        cacheHits: 1,
        cacheHitRate: 1 / 3,
        errors: 0,
        refused: 0,
        p50Ms: 50,
        p95Ms: 500,
      },
    ]);
    const [total] = await usage.summary({ groupBy: [] });
    expect(total).toMatchObject({ calls: 7, errors: 1, refused: 1, cost: 1 });
    expect(await usage.summary({ groupBy: ['operation'], where: { user: 'ana' } })).toEqual([
      expect.objectContaining({ operation: 'generate', calls: 3 }),
    ]);
    expect(await usage.summary({ from: '2000-01-01', to: '2000-01-03' })).toEqual([]);
    expect(usage.store.kind).toBe('memory');
  });

  it('never throws from record, and a failing store is logged once and loses no counts', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const store = new FlakyStore();
    const usage = new AiUsage(store);
    usage.record(outcome({ user: 'ana' }));
    await usage.flush();
    usage.record(outcome({ user: 'ana' }));
    await usage.flush();
    expect(store.attempts).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/AI usage store \(flaky\) failed.*store down/);

    expect(() => usage.record({ call: undefined } as unknown as AiCallOutcome)).not.toThrow();

    store.failing = false;
    const [row] = await usage.summary({ groupBy: ['user'] });
    expect(row).toMatchObject({ user: 'ana', calls: 2 });
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/works again/));
    jest.restoreAllMocks();
    usage.onModuleDestroy();
  });

  it('writes on its own after a while, and before the app shuts down', async () => {
    const store = new FlakyStore();
    store.failing = false;
    const usage = new AiUsage(store);
    usage.record(outcome());
    expect(store.attempts).toBe(0); // not on the call's path
    await usage.beforeApplicationShutdown();
    expect(store.attempts).toBe(1);
    expect(await store.read([today])).toHaveLength(1);
  });
});

describe('usage histogram and days', () => {
  it('puts latencies in fixed buckets and reads percentiles as bucket bounds', () => {
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(100)).toBe(AI_USAGE_LATENCY_BUCKETS_MS.indexOf(100));
    expect(bucketOf(101)).toBe(AI_USAGE_LATENCY_BUCKETS_MS.indexOf(250));
    expect(bucketOf(1e9)).toBe(AI_USAGE_LATENCY_BUCKETS_MS.length);
    const histogram = new Array<number>(AI_USAGE_LATENCY_BUCKETS_MS.length + 1).fill(0);
    histogram[bucketOf(20)] = 90;
    histogram[bucketOf(2000)] = 9;
    histogram[bucketOf(1e6)] = 1;
    expect(quantileMs(histogram, 0.5)).toBe(25);
    expect(quantileMs(histogram, 0.95)).toBe(2500);
    expect(quantileMs(histogram, 1)).toBe(Infinity);
    expect(
      quantileMs(
        histogram.map(() => 0),
        0.5,
      ),
    ).toBe(0);
  });

  it('lists the UTC days of a query', () => {
    expect(dayRange({ from: '2026-02-27', to: '2026-03-02' })).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
      '2026-03-02',
    ]);
    expect(dayRange({ to: '2026-03-02', days: 2 })).toEqual(['2026-03-01', '2026-03-02']);
    expect(dayRange({})).toHaveLength(7);
    expect(() => dayRange({ from: 'yesterday' })).toThrow(/Not a day/);
  });
});
