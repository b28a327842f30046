import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransactionHost } from '@lattice/database';
import { DataSource } from 'typeorm';
import { AI_USAGE_LATENCY_BUCKETS_MS } from '../usage/ai-usage.histogram';
import type { AiUsageEntry, AiUsageKey } from '../usage/ai-usage.interfaces';
import { emptyCounts } from '../usage/ai-usage.key';
import { AI_USAGE_KEY_COLUMNS, AI_USAGE_LATENCY_COLUMNS } from './ai-usage-database.constants';
import { AiUsageDayEntity } from './ai-usage-day.entity';
import { SqlAiUsageStore } from './sql-usage.store';

const today = new Date().toISOString().slice(0, 10);

async function sqlite(database = ':memory:', synchronize = true): Promise<DataSource> {
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database,
    entities: [AiUsageDayEntity],
    synchronize,
  });
  await dataSource.initialize();
  // What DatabaseModule does with its DataSource: the store writes through TransactionHost.
  TransactionHost.bind(dataSource);
  return dataSource;
}

const transactions = new TransactionHost();

function entry(key: Partial<AiUsageKey>, calls = 1, bucket = 3): AiUsageEntry {
  const counts = emptyCounts();
  counts.calls = calls;
  counts.promptTokens = 10 * calls;
  counts.completionTokens = 5 * calls;
  counts.cost = 0.0001 * calls;
  counts.cacheHits = calls > 1 ? 1 : 0;
  counts.latency[bucket] = calls;
  return {
    key: {
      day: today,
      provider: 'fake',
      model: 'gpt-small',
      operation: 'generate',
      outcome: 'ok',
      user: 'ana',
      ...key,
    },
    counts,
  };
}

describe('SqlAiUsageStore (SQLite)', () => {
  let dataSource: DataSource;
  let store: SqlAiUsageStore;

  beforeEach(async () => {
    dataSource = await sqlite();
    store = new SqlAiUsageStore(transactions);
  });

  afterEach(() => dataSource.destroy());

  it('adds to the row of a key already there, counter by counter', async () => {
    await store.add([entry({}, 2), entry({ user: 'bo' })]);
    await store.add([entry({}, 3, 14)]);
    const rows = await store.read([today]);
    const ana = rows.find((row) => row.key.user === 'ana')!;
    expect(ana.key).toEqual({
      day: today,
      provider: 'fake',
      model: 'gpt-small',
      operation: 'generate',
      outcome: 'ok',
      user: 'ana',
    });
    expect(ana.counts).toMatchObject({
      calls: 5,
      promptTokens: 50,
      completionTokens: 25,
      cacheHits: 2,
    });
    expect(ana.counts.cost).toBeCloseTo(0.0005, 12);
    expect(ana.counts.latency).toEqual([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3]);
    expect(rows.find((row) => row.key.user === 'bo')!.counts.calls).toBe(1);
    expect(rows).toHaveLength(2);
  });

  it('reads only the days asked for', async () => {
    await store.add([entry({ day: '2026-11-01' }), entry({ day: '2026-11-03' }), entry({})]);
    const rows = await store.read(['2026-11-01', today]);
    expect(rows.map((row) => row.key.day).sort()).toEqual(['2026-11-01', today]);
    expect(await store.read([])).toEqual([]);
  });

  it('writes a batch larger than one statement takes, in one transaction', async () => {
    const many = Array.from({ length: 1234 }, (_, i) => entry({ user: `user-${i}` }));
    await store.add(many);
    const rows = await store.read([today]);
    expect(rows).toHaveLength(1234);
    expect(rows.reduce((sum, row) => sum + row.counts.calls, 0)).toBe(1234);
  });

  it('cuts a key longer than its column, as MySQL would refuse it', async () => {
    const long = 'é'.repeat(300);
    await store.add([entry({ user: long }), entry({ user: `${long}-other` })]);
    const [row] = await store.read([today]);
    expect(Array.from(row.key.user)).toHaveLength(190);
    expect(row.counts.calls).toBe(2);
  });

  it('deletes days past the retention period in the first write of a day', async () => {
    const kept = new SqlAiUsageStore(transactions, 30);
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString().slice(0, 10);
    const recent = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);
    // A store that keeps everything writes the old day; the one with 30 days prunes it.
    await new SqlAiUsageStore(transactions, Infinity).add([entry({ day: old })]);
    await kept.add([entry({ day: recent })]);
    expect((await kept.read([old, recent])).map((row) => row.key.day)).toEqual([recent]);
  });

  it('says how to create the table when it is missing', async () => {
    const bare = await sqlite(':memory:', false);
    try {
      await expect(new SqlAiUsageStore(transactions).add([entry({})])).rejects.toMatchObject({
        code: 'LATTICE_AI_USAGE_TABLE_MISSING',
        message: 'The AI usage table "lattice_ai_usage" does not exist in sqlite ":memory:".',
        hint: expect.stringContaining('lattice db:migrate:generate ai-usage'),
      });
      await expect(new SqlAiUsageStore(transactions).read([today])).rejects.toMatchObject({
        code: 'LATTICE_AI_USAGE_TABLE_MISSING',
      });
    } finally {
      await bare.destroy();
    }
  });

  it('is shared unless the database lives in this process only', async () => {
    expect(store.shared).toBe(false);
    const file = join(mkdtempSync(join(tmpdir(), 'lattice-ai-usage-')), 'usage.sqlite');
    const onFile = await sqlite(file);
    try {
      expect(new SqlAiUsageStore(transactions)).toMatchObject({ kind: 'sql', shared: true });
    } finally {
      await onFile.destroy();
    }
  });

  it('has one column per latency bucket, named after its bound', () => {
    const columns = dataSource.getMetadata(AiUsageDayEntity).columns.map((c) => c.databaseName);
    expect(AI_USAGE_LATENCY_COLUMNS).toHaveLength(AI_USAGE_LATENCY_BUCKETS_MS.length + 1);
    expect(columns).toEqual([
      ...AI_USAGE_KEY_COLUMNS.map((k) => k.column),
      'calls',
      'prompt_tokens',
      'completion_tokens',
      'cost',
      'cache_hits',
      ...AI_USAGE_LATENCY_COLUMNS,
    ]);
  });
});
