// The cost of AIManager's pipeline over the raw `openai` client, against the fake OpenAI server
// (test/support/fake-openai.ts) on loopback, in one process:
//   1. Non-streamed chat: `client.chat.completions.create()` against `ai.generate({ cache: false })`
//      (same server, same client underneath), alternated in slices; req/s, p50, p99, overhead.
//   2. The pipeline alone: ai.generate() on a provider that answers at once (no network), so the
//      figure is the manager's own CPU time per call.
//   3. Streams: time to the first text chunk, raw client stream against `ai.stream()`, alternated
//      call by call; the rest of each stream is read untimed.
// Run: npm run bench -- ai
import 'reflect-metadata';
import { AiModule, AIManager, OpenAiProvider, type AiProvider } from '@lattice/ai';
import { LatticeModule } from '@lattice/core';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadavg } from 'node:os';
import { startFakeOpenAi } from '../test/support/fake-openai';
import { interleave, machine, median, percentile, writeSection } from './support';

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 8_000);
const STREAM_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1_000);
const GOAL_PERCENT = 5;
const GOAL_FIRST_TOKEN_MS = 1;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(3)} ms`;

/** A provider that answers at once: what is left of a call is the manager's own work. */
const instant: AiProvider = {
  name: 'instant',
  capabilities: ['chat'],
  generate: async () => ({
    text: 'ok',
    finishReason: 'stop',
    usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
  }),
};

async function main(): Promise<void> {
  const fake = await startFakeOpenAi();
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      AiModule.forRoot({
        providers: [
          { name: 'openai', type: 'openai', baseURL: fake.url, apiKey: 'bench' },
          { name: 'instant', type: 'custom', provider: instant },
        ],
        chain: ['openai'],
        models: [
          {
            name: 'fake-chat',
            provider: 'openai',
            inputPricePerMillion: 0.15,
            outputPricePerMillion: 0.6,
          },
        ],
      }),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const ai = app.get(AIManager);
  // The baseline: a client configured as the provider's (no retries), its own instance.
  const raw = new OpenAiProvider({ name: 'raw', baseURL: fake.url, apiKey: 'bench' }).client;
  const messages = [{ role: 'user' as const, content: 'How do I reset my password?' }];

  out(`AI manager vs raw openai client, fake server on loopback (${machine()})`);
  const [rawResult, managerResult] = await interleave(
    [
      {
        name: 'raw openai client',
        run: () => raw.chat.completions.create({ model: 'fake-chat', messages }),
      },
      {
        name: 'AIManager.generate',
        run: () => ai.generate({ messages, model: 'fake-chat', cache: false }),
      },
    ],
    { budgetMs: BUDGET_MS, warmupMs: 1_000, sliceMs: 200, minSamples: 500 },
  );
  const overhead = (rawResult.perSecond / managerResult.perSecond - 1) * 100;
  for (const r of [rawResult, managerResult])
    out(
      `  ${r.name.padEnd(20)} ${fmt(r.perSecond).padStart(7)} req/s  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  (${fmt(r.samples)} calls)`,
    );
  out(`  overhead ${overhead.toFixed(1)} % (goal ≤ ${GOAL_PERCENT} %)`);

  // The pipeline alone, on the instant provider.
  const alone = ai.using('instant');
  for (let i = 0; i < 20_000; i++) await alone.generate({ messages, cache: false });
  const pipelineCalls = 200_000;
  const pipelineStarted = performance.now();
  for (let i = 0; i < pipelineCalls; i++) await alone.generate({ messages, cache: false });
  const pipelineUs = ((performance.now() - pipelineStarted) * 1000) / pipelineCalls;
  out(`  the pipeline alone: ${pipelineUs.toFixed(1)} µs per call (${fmt(pipelineCalls)} calls)`);

  // Streams: first text chunk, call by call, alternating which side goes first.
  const firstToken = { raw: [] as number[], manager: [] as number[] };
  const rawFirst = async () => {
    const started = performance.now();
    const stream = await raw.chat.completions.create({
      model: 'fake-chat',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let first: number | undefined;
    for await (const chunk of stream)
      if (first === undefined && chunk.choices[0]?.delta?.content)
        first = performance.now() - started;
    return first!;
  };
  const managerFirst = async () => {
    const started = performance.now();
    let first: number | undefined;
    for await (const chunk of ai.stream({ messages, model: 'fake-chat', cache: false }))
      if (first === undefined && chunk.text) first = performance.now() - started;
    return first!;
  };
  for (let i = 0; i < 100; i++) await Promise.all([rawFirst(), managerFirst()]); // warm-up (untimed)
  for (let round = 0; round < STREAM_ROUNDS; round++) {
    if (round % 2 === 0) {
      firstToken.raw.push(await rawFirst());
      firstToken.manager.push(await managerFirst());
    } else {
      firstToken.manager.push(await managerFirst());
      firstToken.raw.push(await rawFirst());
    }
  }
  const streamDiff = median(firstToken.manager) - median(firstToken.raw);
  out(
    `  first token: raw p50 ${ms(median(firstToken.raw))} p99 ${ms(percentile(firstToken.raw, 99))}; ` +
      `AIManager.stream p50 ${ms(median(firstToken.manager))} p99 ${ms(percentile(firstToken.manager, 99))}; ` +
      `difference of medians ${ms(streamDiff)} (goal ≤ ${GOAL_FIRST_TOKEN_MS} ms)`,
  );

  writeSection(
    'ai',
    `## AI

The cost of \`AIManager\` (@lattice/ai's pipeline: call built, plugins, budgets, cache lookup,
fallback chain with a per-attempt deadline, usage) over the raw \`openai\` client it wraps, both
against the fake OpenAI-compatible server (test/support/fake-openai.ts) on loopback in the same
process. Manager calls pass \`cache: false\` (the miss path: every call reaches the server); the
cache, budgets, plugins and usage are the bodies in the tree when the bench ran. Alternated in
slices (non-streamed) and call by call (streams), one call in flight.
Run: \`npm run bench -- ai\` (${machine()}; load average ${loadavg()[0].toFixed(1)} when it ended: the
machine was shared, so tails are wide and the medians are the steadier figures).

| chat, not streamed | req/s | p50 | p99 | calls |
| --- | ---: | ---: | ---: | ---: |
| raw \`openai\` client | ${fmt(rawResult.perSecond)} | ${ms(rawResult.p50)} | ${ms(rawResult.p99)} | ${fmt(rawResult.samples)} |
| \`AIManager.generate\` | ${fmt(managerResult.perSecond)} | ${ms(managerResult.p50)} | ${ms(managerResult.p99)} | ${fmt(managerResult.samples)} |

Overhead: **${overhead.toFixed(1)} %** of throughput, **${(managerResult.p50 - rawResult.p50).toFixed(3)} ms** at the median (goal ≤ ${GOAL_PERCENT} %: ${overhead <= GOAL_PERCENT ? 'met' : 'not met'}).
The pipeline alone (a provider that answers at once, ${fmt(pipelineCalls)} calls in a loop):
**${pipelineUs.toFixed(1)} µs** per call.

| stream, time to the first text chunk | p50 | p99 | calls |
| --- | ---: | ---: | ---: |
| raw \`openai\` client (\`stream_options.include_usage\`) | ${ms(median(firstToken.raw))} | ${ms(percentile(firstToken.raw, 99))} | ${fmt(firstToken.raw.length)} |
| \`AIManager.stream\` | ${ms(median(firstToken.manager))} | ${ms(percentile(firstToken.manager, 99))} | ${fmt(firstToken.manager.length)} |

Difference of the medians: **${ms(streamDiff)}** (goal ≤ ${GOAL_FIRST_TOKEN_MS} ms: ${Math.abs(streamDiff) <= GOAL_FIRST_TOKEN_MS ? 'met' : 'not met'}).`,
  );
  await app.close();
  await fake.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
