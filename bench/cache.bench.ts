// Cache reads and writes: Lattice's LatticeCache against the same store used raw.
//   Memory: LatticeCache (cache-manager over Keyv + CacheableMemory) vs a raw Keyv on CacheableMemory.
//   Redis: LatticeCache (cache-manager over @keyv/redis) vs a raw @keyv/redis Keyv and raw ioredis.
//   Tagged get (no direct baseline) next to the plain get of the same run, and a 10,000-key tag flush.
// Run: npm run bench -- cache   (needs Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379;
// deletes every key under lattice:bench: when it is done)
import 'reflect-metadata';
import { createKeyv } from '@keyv/redis';
import { CacheModule, getCacheToken, LatticeCache } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createCache } from 'cache-manager';
import { CacheableMemory } from 'cacheable';
import Redis from 'ioredis';
import { Keyv } from 'keyv';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { deleteKeys, interleave, machine, median, Result, Side, writeSection } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'lattice:bench:';
/** Timed work per side and case, after the warm-up. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2_000);
const WARMUP_MS = 400;
/** The sides of a case alternate in slices of about this long. */
const SLICE_MS = 200;
/** Keys the get and set cases cycle through. */
const KEYS = 100;
/** The ttl LatticeCache applies by default (60 s), given to the baselines too. */
const TTL_MS = 60_000;
const BULK = 10_000;
const BULK_BATCH = 500;
const FLUSH_REPEATS = 3;
const GOAL_PERCENT = 90;
const TAGS = ['questions', 'user:1'];

const payload = {
  id: 1,
  title: 'How do I cache a query by tag?',
  tags: ['cache', 'redis'],
  votes: 12,
  author: { id: 7, name: 'Ada' },
};
const PAYLOAD_BYTES = Buffer.byteLength(JSON.stringify(payload));

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const us = (ms: number) => `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
const key = (i: number) => `question:${i % KEYS}`;

/** Interleaved timing of the sides (see bench/support.ts). */
const measure = (sides: Side[]): Promise<Result[]> =>
  interleave(sides, { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS });

async function boot(env: Record<string, string>): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env, envFile: false, bootReport: false }),
      CacheModule.forRoot({ tagCleanupIntervalMs: 0 }),
    ],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
}

/** Reads every side once and insists on the payload, so no side is timed on a miss. */
async function expectHits(sides: Side[]): Promise<void> {
  for (const side of sides) {
    const value = await side.run();
    if (!isDeepStrictEqual(value, payload))
      throw new Error(`${side.name} did not return the payload: ${JSON.stringify(value)}`);
  }
}

/** One counter per side, so each walks the KEYS keys in turn. */
function cycling(name: string, call: (k: string) => Promise<unknown>): Side {
  let i = 0;
  return { name, run: () => call(key(i++)) };
}

interface Row {
  store: string;
  operation: string;
  lattice: Result;
  baseline: Result;
}

interface Tagged {
  store: string;
  tagged: Result;
  plain: Result;
}

interface Flush {
  store: string;
  runs: number[];
  setSeconds: number[];
  before: number[];
  after: number[];
}

const ratio = (r: Row) => (r.lattice.perSecond / r.baseline.perSecond) * 100;
const met = (r: Row) => ratio(r) >= GOAL_PERCENT;

/**
 * Sets BULK items under tags(['bulk']) in parallel batches, then times one flush, FLUSH_REPEATS
 * times. Before and after each flush, counts how many of the items the store holds (their full
 * keys are built as TaggedCache builds them, from the tag's version before the flush).
 */
async function flushes(store: string, cache: LatticeCache): Promise<Flush> {
  const result: Flush = { store, runs: [], setSeconds: [], before: [], after: [] };
  for (let rep = 0; rep < FLUSH_REPEATS; rep++) {
    const tagged = cache.tags(['bulk']);
    const setStart = performance.now();
    for (let from = 0; from < BULK; from += BULK_BATCH) {
      const batch: Promise<void>[] = [];
      for (let i = from; i < Math.min(BULK, from + BULK_BATCH); i++)
        batch.push(tagged.set(`bulk:${i}`, { ...payload, id: i }));
      await Promise.all(batch);
    }
    result.setSeconds.push((performance.now() - setStart) / 1000);
    const [version] = await cache.tagIndex.versions(['bulk']);
    const hash = createHash('sha1').update(`bulk:${version}`).digest('hex').slice(0, 20);
    const fullKeys = Array.from({ length: BULK }, (_, i) => `tagged:${hash}:bulk:${i}`);
    const present = async () =>
      (await cache.store.mget<unknown>(fullKeys)).filter((v) => v !== undefined && v !== null)
        .length;
    result.before.push(await present());
    const started = performance.now();
    await cache.tags(['bulk']).flush();
    result.runs.push(performance.now() - started);
    result.after.push(await present());
    out(
      `  ${store} flush ${rep + 1}: ${result.runs[rep].toFixed(1)} ms (${fmt(result.before[rep])} items present before, ${fmt(result.after[rep])} after; setting them took ${result.setSeconds[rep].toFixed(2)} s)`,
    );
  }
  return result;
}

function printPair(label: string, results: Result[]): void {
  out(
    `  ${label}: ${results.map((r) => `${r.name} ${fmt(r.perSecond)}/s p50 ${us(r.p50)} p99 ${us(r.p99)}`).join(' · ')}`,
  );
}

/** cache-manager 7 alone over the same kind of store: the layer LatticeCache is built on. */
interface Layer {
  operation: string;
  cacheManager: Result;
  raw: Result;
  lattice: Result;
}

async function memoryStore(
  rows: Row[],
  tagged: Tagged[],
  flush: Flush[],
  layers: Layer[],
): Promise<void> {
  out('Memory store…');
  const app = await boot({});
  const raw = new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) });
  const manager = createCache({
    stores: [new Keyv({ store: new CacheableMemory({ lruSize: 10_000 }) })],
  });
  try {
    const cache = app.get<LatticeCache>(getCacheToken());
    if (cache.settings.redis) throw new Error('the default store should be in memory here');
    for (let i = 0; i < KEYS; i++) {
      await cache.set(key(i), payload);
      await cache.tags(TAGS).set(key(i), payload);
      await raw.set(key(i), payload, TTL_MS);
      await manager.set(key(i), payload, TTL_MS);
    }
    const gets = [
      cycling('Lattice get', (k) => cache.get(k)),
      cycling('raw Keyv get', (k) => raw.get(k)),
      cycling('Lattice tagged get', (k) => cache.tags(TAGS).get(k)),
      cycling('cache-manager get', (k) => manager.get(k)),
    ];
    await expectHits(gets);
    const [lGet, rGet, tGet, mGet] = await measure(gets);
    printPair('get', [lGet, rGet, tGet, mGet]);
    const [lSet, rSet, mSet] = await measure([
      cycling('Lattice set', (k) => cache.set(k, payload)),
      cycling('raw Keyv set', (k) => raw.set(k, payload, TTL_MS)),
      cycling('cache-manager set', (k) => manager.set(k, payload, TTL_MS)),
    ]);
    printPair('set', [lSet, rSet, mSet]);
    layers.push(
      { operation: 'get (hit)', cacheManager: mGet, raw: rGet, lattice: lGet },
      { operation: 'set', cacheManager: mSet, raw: rSet, lattice: lSet },
    );
    rows.push(
      { store: 'memory', operation: 'get (hit)', lattice: lGet, baseline: rGet },
      { store: 'memory', operation: 'set', lattice: lSet, baseline: rSet },
    );
    tagged.push({ store: 'memory', tagged: tGet, plain: lGet });
    flush.push(await flushes('memory', cache));
  } finally {
    await raw.disconnect();
    await app.close();
  }
}

async function redisStore(
  admin: Redis,
  rows: Row[],
  tagged: Tagged[],
  flush: Flush[],
): Promise<void> {
  out('Redis store…');
  const app = await boot({ REDIS_URL, REDIS_KEY_PREFIX: PREFIX });
  const rawKeyv = createKeyv(REDIS_URL, { namespace: `${PREFIX}raw` });
  const ioredis = new Redis(REDIS_URL);
  const ioKey = (k: string) => `${PREFIX}ioredis:${k}`;
  try {
    const cache = app.get<LatticeCache>(getCacheToken());
    if (!cache.settings.redis) throw new Error('the default store should be on Redis here');
    for (let i = 0; i < KEYS; i++) {
      await cache.set(key(i), payload);
      await cache.tags(TAGS).set(key(i), payload);
      await rawKeyv.set(key(i), payload, TTL_MS);
      await ioredis.set(ioKey(key(i)), JSON.stringify(payload), 'PX', TTL_MS);
    }
    if (!(await admin.exists(`${PREFIX}cache:default:${key(0)}`)))
      throw new Error(`LatticeCache did not write ${PREFIX}cache:default:${key(0)} to Redis`);
    const gets = [
      cycling('Lattice get', (k) => cache.get(k)),
      cycling('raw Keyv get', (k) => rawKeyv.get(k)),
      cycling('raw ioredis GET', async (k) => {
        const text = await ioredis.get(ioKey(k));
        return text === null ? undefined : (JSON.parse(text) as unknown);
      }),
      cycling('Lattice tagged get', (k) => cache.tags(TAGS).get(k)),
    ];
    await expectHits(gets);
    const [lGet, kGet, iGet, tGet] = await measure(gets);
    printPair('get', [lGet, kGet, iGet, tGet]);
    const [lSet, kSet, iSet] = await measure([
      cycling('Lattice set', (k) => cache.set(k, payload)),
      cycling('raw Keyv set', (k) => rawKeyv.set(k, payload, TTL_MS)),
      cycling('raw ioredis SET', (k) =>
        ioredis.set(ioKey(k), JSON.stringify(payload), 'PX', TTL_MS),
      ),
    ]);
    printPair('set', [lSet, kSet, iSet]);
    rows.push(
      { store: 'Redis', operation: 'get (hit)', lattice: lGet, baseline: kGet },
      { store: 'Redis', operation: 'get (hit)', lattice: lGet, baseline: iGet },
      { store: 'Redis', operation: 'set', lattice: lSet, baseline: kSet },
      { store: 'Redis', operation: 'set', lattice: lSet, baseline: iSet },
    );
    tagged.push({ store: 'Redis', tagged: tGet, plain: lGet });
    flush.push(await flushes('Redis', cache));
  } finally {
    await rawKeyv.disconnect();
    ioredis.disconnect();
    await app.close();
  }
}

function goalTable(rows: Row[]): string {
  return [
    '| store | operation | Lattice ops/s | Lattice p50 / p99 | baseline | baseline ops/s | baseline p50 / p99 | Lattice ÷ baseline | ≥ 90 %? |',
    '| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | :---: |',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${r.operation} | ${fmt(r.lattice.perSecond)} | ${us(r.lattice.p50)} / ${us(r.lattice.p99)} | ${r.baseline.name} | ${fmt(r.baseline.perSecond)} | ${us(r.baseline.p50)} / ${us(r.baseline.p99)} | ${ratio(r).toFixed(1)} % | ${met(r) ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}

function taggedTable(tagged: Tagged[]): string {
  return [
    '| store | tagged get ops/s | tagged p50 / p99 | plain Lattice get ops/s (same run) | plain p50 / p99 | tagged ÷ plain |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...tagged.map(
      (t) =>
        `| ${t.store} | ${fmt(t.tagged.perSecond)} | ${us(t.tagged.p50)} / ${us(t.tagged.p99)} | ${fmt(t.plain.perSecond)} | ${us(t.plain.p50)} / ${us(t.plain.p99)} | ${((t.tagged.perSecond / t.plain.perSecond) * 100).toFixed(1)} % |`,
    ),
  ].join('\n');
}

function layerTable(layers: Layer[]): string {
  const pct = (a: Result, b: Result) => `${((a.perSecond / b.perSecond) * 100).toFixed(1)} %`;
  return [
    '| memory | raw Keyv ops/s | cache-manager ops/s | cache-manager ÷ raw Keyv | Lattice ops/s | Lattice ÷ cache-manager |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...layers.map(
      (l) =>
        `| ${l.operation} | ${fmt(l.raw.perSecond)} | ${fmt(l.cacheManager.perSecond)} | ${pct(l.cacheManager, l.raw)} | ${fmt(l.lattice.perSecond)} | ${pct(l.lattice, l.cacheManager)} |`,
    ),
  ].join('\n');
}

function flushTable(flush: Flush[]): string {
  return [
    '| store | items flushed | flush runs | median | items in the store before → after each flush |',
    '| --- | ---: | --- | ---: | --- |',
    ...flush.map(
      (f) =>
        `| ${f.store} | ${fmt(BULK)} | ${f.runs.map((ms) => `${ms.toFixed(1)} ms`).join(', ')} | ${median(f.runs).toFixed(1)} ms | ${f.before.map((b, i) => `${fmt(b)} → ${fmt(f.after[i])}`).join(', ')} |`,
    ),
  ].join('\n');
}

function verdict(rows: Row[], tagged: Tagged[], flush: Flush[]): string {
  const describe = (r: Row) =>
    `${r.store} ${r.operation.replace(' (hit)', '')} vs ${r.baseline.name.replace(/ (get|set|GET|SET)$/, '')} (${ratio(r).toFixed(1)} %)`;
  const yes = rows.filter(met);
  const no = rows.filter((r) => !met(r));
  const close = rows.filter((r) => Math.abs(ratio(r) - GOAL_PERCENT) < 5);
  const lines = [
    `Goal (≥ ${GOAL_PERCENT} % of the raw baseline's ops/s): met in ${yes.length} of ${rows.length} rows${yes.length ? ` — ${yes.map(describe).join('; ')}` : ''}.${no.length ? ` Not met: ${no.map(describe).join('; ')}.` : ''}`,
  ];
  if (close.length)
    lines.push(
      `Within 5 points of the goal, so close to this machine's run-to-run noise: ${close.map(describe).join('; ')}.`,
    );
  lines.push(
    `Tagged get has no raw counterpart; it first resolves the tags' versions (an MGET on Redis, a Map lookup in memory), then reads: ${tagged.map((t) => `${t.store} ${((t.tagged.perSecond / t.plain.perSecond) * 100).toFixed(1)} % of the plain get's ops/s`).join(', ')}.`,
  );
  lines.push(
    `Flushing ${fmt(BULK)} tagged keys took a median of ${flush.map((f) => `${median(f.runs).toFixed(1)} ms on ${f.store}`).join(' and ')}.`,
  );
  return lines.join(' ');
}

async function main(): Promise<void> {
  const began = performance.now();
  const admin = new Redis(REDIS_URL);
  const info = await admin.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  const rows: Row[] = [];
  const tagged: Tagged[] = [];
  const flush: Flush[] = [];
  const layers: Layer[] = [];
  try {
    await memoryStore(rows, tagged, flush, layers);
    await redisStore(admin, rows, tagged, flush);
  } finally {
    const deleted = await deleteKeys(admin, PREFIX);
    out(`Deleted ${fmt(deleted)} Redis keys under ${PREFIX}.`);
    admin.disconnect();
  }
  const seconds = (performance.now() - began) / 1000;

  const markdown = `## Cache (@lattice/cache)

\`npm run bench -- cache\` · ${machine()} · Redis ${redisVersion} at ${REDIS_URL} (keys under \`${PREFIX}\`, deleted afterwards) · the run took ${seconds.toFixed(0)} s.

Each case warms every side up for ${WARMUP_MS} ms, then alternates the sides (A, B, C, A, B, C…) in slices of ${SLICE_MS} ms until each has ${(BUDGET_MS / 1000).toFixed(1)} s of timed calls; one call in flight, every call timed; ops/s = calls ÷ time spent in them. Reads are hits on ${KEYS} keys read in turn, each holding a ${PAYLOAD_BYTES}-byte JSON object; writes store the same object, with the 60 s ttl LatticeCache applies by default given to the baselines too. Lattice runs in a Nest application context (\`LatticeModule.forRoot\` + \`CacheModule.forRoot({ tagCleanupIntervalMs: 0 })\`, the store from \`app.get(getCacheToken())\`). Baselines: memory — \`new Keyv({ store: new CacheableMemory({ lruSize: 10000 }) })\`; Redis — \`createKeyv(url, { namespace })\` from @keyv/redis, and ioredis \`GET\`/\`SET … PX\` with \`JSON.parse\`/\`JSON.stringify\`.

Get and set through the cache against the raw baseline (goal: ≥ ${GOAL_PERCENT} % of the baseline's ops/s):

${goalTable(rows)}

Where the memory store's gap comes from: cache-manager 7 alone (\`createCache({ stores: [new Keyv({ store: new CacheableMemory(…) })] })\`, what LatticeCache is built on), measured in the same cases:

${layerTable(layers)}

Tagged get, \`cache.tags(['questions', 'user:1']).get(key)\`: no direct baseline, so it is shown next to the plain Lattice get measured in the same case (interleaved with it):

${taggedTable(tagged)}

Tag flush: ${fmt(BULK)} items set under \`tags(['bulk'])\` (in parallel batches of ${BULK_BATCH}), then one \`cache.tags(['bulk']).flush()\` timed, ${FLUSH_REPEATS} times. The last column counts, through the store, how many of the items were there before and after each flush (the memory store's LRU holds ${fmt(10_000)} entries, and also holds the ${KEYS * 2} keys of the cases above).

${flushTable(flush)}

${verdict(rows, tagged, flush)} On this 2-core machine, with Redis on the same cores, figures move between runs: compare rows of one run, not across runs.`;
  writeSection('cache', markdown);
  out(markdown);
  out(`Finished in ${seconds.toFixed(1)} s.`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
