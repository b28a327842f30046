// The AI response cache: a cache hit through AIManager against the same call sent to an
// OpenAI-compatible server (the fake of test/support/fake-openai.ts, over real HTTP on 127.0.0.1,
// answering at once: the fastest a call can be, so the real gain is larger).
//   generate: ai.generate(request) answered from the cache vs ai.generate({ ...request, cache: false }).
//   stream:   a cached stream replayed (at once) vs the same stream from the server, read to the end.
//   On the memory store, on Redis, and on Redis with a memory level in front (CacheModule's
//   `two-level` driver: hot entries answered from memory, shared through Redis).
// Run: npm run bench -- ai-cache   (needs Redis at BENCH_REDIS_URL, default redis://127.0.0.1:6379;
// deletes every key under lattice:bench:ai-cache: when it is done)
import 'reflect-metadata';
import { AiModule, AIManager } from '@lattice/ai';
import { CacheModule, type CacheDriver } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/fake-openai';
import { deleteKeys, interleave, machine, Result, Side, writeSection } from './support';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = 'lattice:bench:ai-cache:';
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2_000);
const WARMUP_MS = 400;
const SLICE_MS = 200;
const GOAL = 100;

const ANSWER =
  'Lattice is a set of NestJS libraries: configuration, database, cache, queue, state, security, events, live components and AI, each on an embedded default that a production driver replaces.';
const REQUEST = {
  system: 'You answer questions about the Lattice framework in two sentences.',
  prompt: 'What is Lattice, in short?',
  temperature: 0,
  maxTokens: 200,
};

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (v: number) => (v < 1 ? `${(v * 1000).toFixed(0)} µs` : `${v.toFixed(2)} ms`);

async function boot(
  env: Record<string, string>,
  fake: FakeOpenAi,
  driver: CacheDriver,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env, envFile: false, bootReport: false }),
      CacheModule.forRoot({ tagCleanupIntervalMs: 0, default: { driver } }),
      AiModule.forRoot({
        providers: [
          { name: 'openai', type: 'openai', baseURL: fake.url, apiKey: 'sk-bench', attempts: 1 },
        ],
        models: [
          {
            name: 'fake-chat',
            provider: 'openai',
            inputPricePerMillion: 0.15,
            outputPricePerMillion: 0.6,
          },
        ],
        cache: { ttl: 600_000 },
      }),
    ],
  })
  class AiCacheBenchModule {}
  return NestFactory.createApplicationContext(AiCacheBenchModule, { logger: ['error'] });
}

/** Reads a stream to its end; returns the text, so a side can be checked. */
async function readStream(ai: AIManager, cache: boolean): Promise<string> {
  const stream = ai.stream({ ...REQUEST, cache: cache ? undefined : false });
  let text = '';
  for await (const chunk of stream) text += chunk.text;
  const response = await stream.response;
  if (response.cached !== cache) throw new Error(`stream: expected cached=${cache}`);
  return text;
}

interface Row {
  store: string;
  operation: string;
  hit: Result;
  call: Result;
}

async function measure(store: string, ai: AIManager): Promise<Row[]> {
  // Fill the cache, and check each side gets what it should (a hit is a hit, a call a call).
  await ai.generate(REQUEST);
  await readStream(ai, false);
  const recording = ai.stream(REQUEST); // the first stream with the cache on records it
  for await (const _chunk of recording) void _chunk;
  if ((await recording.response).cached) throw new Error(`${store}: the cache was not empty`);
  const check = async (cached: boolean, run: () => Promise<{ cached: boolean; text: string }>) => {
    const response = await run();
    if (response.cached !== cached || response.text !== ANSWER)
      throw new Error(
        `${store}: expected cached=${cached} and the answer, got ${JSON.stringify(response)}`,
      );
  };
  await check(true, () => ai.generate(REQUEST));
  await check(false, () => ai.generate({ ...REQUEST, cache: false }));
  if ((await readStream(ai, true)) !== ANSWER) throw new Error(`${store}: the replay differs`);

  const generate: Side[] = [
    { name: 'cache hit', run: () => ai.generate(REQUEST) },
    { name: 'call', run: () => ai.generate({ ...REQUEST, cache: false }) },
  ];
  const stream: Side[] = [
    { name: 'cached stream', run: () => readStream(ai, true) },
    { name: 'stream call', run: () => readStream(ai, false) },
  ];
  const options = { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS };
  const [hit, call] = await interleave(generate, options);
  const [streamHit, streamCall] = await interleave(stream, options);
  const rows = [
    { store, operation: 'generate', hit, call },
    { store, operation: 'stream (read to the end)', hit: streamHit, call: streamCall },
  ];
  for (const row of rows)
    out(
      `  ${store} ${row.operation}: hit p50 ${ms(row.hit.p50)} (${fmt(row.hit.perSecond)}/s) · call p50 ${ms(row.call.p50)} (${fmt(row.call.perSecond)}/s) · ${speedup(row).toFixed(0)}× at p50, ${throughput(row).toFixed(0)}× per second`,
    );
  return rows;
}

/** How many times faster a hit is: typical calls (p50), and on throughput (every call, outliers too). */
const speedup = (row: Row) => row.call.p50 / row.hit.p50;
const throughput = (row: Row) => row.hit.perSecond / row.call.perSecond;

async function main(): Promise<void> {
  const started = performance.now();
  const fake = await startFakeOpenAi();
  fake.always('/chat/completions', {
    content: ANSWER,
    usage: { prompt_tokens: 31, completion_tokens: 42 },
  });
  const admin = new Redis(REDIS_URL);
  const rows: Row[] = [];
  try {
    for (const [store, env] of [
      ['memory', {}],
      ['redis', { REDIS_URL, REDIS_KEY_PREFIX: `${PREFIX}redis:` }],
      ['two-level', { REDIS_URL, REDIS_KEY_PREFIX: `${PREFIX}two-level:` }],
    ] as const) {
      const app = await boot(env, fake, store);
      try {
        rows.push(...(await measure(store, app.get(AIManager))));
      } finally {
        await app.close();
      }
    }
  } finally {
    out(`  deleted ${await deleteKeys(admin, PREFIX)} bench keys`);
    admin.disconnect();
    await fake.close();
  }

  const table = [
    '| store | operation | cache hit p50 | hits/s | call p50 | calls/s | hit vs call (p50) | hit vs call (per second) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${r.operation} | ${ms(r.hit.p50)} | ${fmt(r.hit.perSecond)} | ${ms(r.call.p50)} | ${fmt(r.call.perSecond)} | **${speedup(r).toFixed(0)}×** | ${throughput(r).toFixed(0)}× |`,
    ),
  ].join('\n');
  const missed = rows.filter((r) => speedup(r) < GOAL);
  const markdown = `## AI response cache (@lattice/ai)

\`npm run bench -- ai-cache\` · ${machine()} · ${(BUDGET_MS / 1000).toFixed(0)} s of timed calls per side, sides interleaved.

A cache hit through \`AIManager\` (the whole pipeline: plugins, budgets, the normalized key's SHA-256, the store's get, usage) against the same request with \`cache: false\`, sent by the \`openai\` client over HTTP to the fake OpenAI-compatible server in the same process, which answers at once (a ${ANSWER.length}-character answer; as a stream, ${ANSWER.split(' ').length} chunks). A real provider takes hundreds of milliseconds, so against one the gain is larger by that much. Goal: a hit ≥ ${GOAL}× faster than a call, compared at p50 (the typical call); the per-second column counts every call, outliers (GC pauses, the other processes on the cores) included.

${table}

${
  missed.length === 0
    ? `Every row meets the goal.`
    : `Below the goal: ${missed.map((r) => `${r.store} ${r.operation} (${speedup(r).toFixed(0)}×)`).join(', ')}; the call here is a local server answering in about a millisecond, where a real provider takes hundreds.`
} On this 2-core machine, with Redis and the fake server on the same cores, figures move between runs: compare rows of one run.`;
  writeSection('ai-cache', markdown);
  out(markdown);
  out(`Finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
