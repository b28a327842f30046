// What the AI plugins and usage counting cost per call (@lattice/ai).
//   1. AIManager.generate against the fake OpenAI-compatible server (real HTTP, the real openai
//      client, one call in flight) with PiiRedactionPlugin, PromptInjectionPlugin and
//      AiLoggerPlugin, against the same app with no plugins (the baseline), interleaved.
//      AiUsage counts in memory in both. OutputModerationPlugin is left out: it is a second
//      provider call by design.
//   2. The request-side plugins alone on a call with a 1 KB and an 8 KB prompt holding personal
//      data: beforeRequest of PiiRedactionPlugin and PromptInjectionPlugin, in a loop.
//   3. AiUsage.record alone, in a loop (what every call pays on its path).
// Run: npm run bench -- ai-plugins   (no services needed)
import 'reflect-metadata';
import {
  AiLoggerPlugin,
  AiModule,
  AIManager,
  AiUsage,
  PiiRedactionPlugin,
  PromptInjectionPlugin,
  type AiCall,
} from '@lattice/ai';
import { LatticeModule } from '@lattice/core';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { startFakeOpenAi, type FakeOpenAi } from '../test/support/fake-openai';
import { interleave, machine, median, writeSection } from './support';

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 4000);
const LOOP = 20_000;
const out = (line: string) => process.stdout.write(`${line}\n`);
const us = (ms: number) => `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 0)} µs`;

async function boot(fake: FakeOpenAi, plugins: boolean): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      AiModule.forRoot({
        providers: [{ name: 'fake', type: 'openai', baseURL: fake.url, apiKey: 'k', attempts: 1 }],
        cache: false,
      }),
    ],
    providers: plugins ? [PiiRedactionPlugin, PromptInjectionPlugin, AiLoggerPlugin] : [],
  })
  class BenchModule {}
  return NestFactory.createApplicationContext(BenchModule, { logger: false });
}

function prompt(bytes: number): string {
  const sentence =
    'Hello, I am Ana (ana.lopez@example.com, +44 20 7946 0958) and my order from 2024-01-15 on v1.2.3 failed. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

function call(text: string): AiCall {
  return {
    id: 'bench',
    operation: 'generate',
    request: { messages: [{ role: 'user', content: text }] },
    chain: ['fake'],
    user: '7',
    startedAt: Date.now(),
    flags: [],
    signal: new AbortController().signal,
  };
}

function loop(run: () => void): number {
  for (let i = 0; i < 1000; i++) run();
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const started = performance.now();
    for (let i = 0; i < LOOP / 5; i++) run();
    times.push((performance.now() - started) / (LOOP / 5));
  }
  return median(times);
}

async function main(): Promise<void> {
  const fake = await startFakeOpenAi();
  fake.always('/chat/completions', {
    content: 'Thanks, we will write to [email 1].',
    usage: { prompt_tokens: 40, completion_tokens: 9 },
  });
  const bare = await boot(fake, false);
  const wrapped = await boot(fake, true);
  const text = prompt(1024);
  const request = { prompt: text, user: '7' };
  const [without, withPlugins] = await interleave(
    [
      { name: 'no plugins', run: () => bare.get(AIManager).generate(request) },
      { name: 'three plugins', run: () => wrapped.get(AIManager).generate(request) },
    ],
    { budgetMs: BUDGET_MS, warmupMs: 500, sliceMs: 100, minSamples: 200 },
  );
  await Promise.all([bare.close(), wrapped.close()]);
  await fake.close();
  const overhead = ((withPlugins.p50 - without.p50) / without.p50) * 100;

  const redaction = new PiiRedactionPlugin();
  const injection = new PromptInjectionPlugin();
  const alone = [1024, 8192].map((bytes) => {
    const body = prompt(bytes);
    return {
      bytes,
      pii: loop(() => redaction.beforeRequest(call(body))),
      injection: loop(() => injection.beforeRequest(call(body))),
    };
  });

  const usage = new AiUsage();
  const outcome = {
    call: call('x'),
    response: {
      provider: 'fake',
      model: 'fake-chat',
      usage: { promptTokens: 40, completionTokens: 9, totalTokens: 49 },
      latencyMs: 120,
      cost: 0.0001,
      cached: false,
      fallbacks: [],
      flags: [],
    },
  };
  const record = loop(() => usage.record(outcome));
  usage.onModuleDestroy();

  const lines = [
    '## AI plugins and usage (`npm run bench -- ai-plugins`)',
    '',
    `${machine()}. One call in flight; the two apps interleaved in 100 ms slices.`,
    '',
    '| AIManager.generate, 1 KB prompt, fake server over HTTP | calls/s | p50 | p99 | calls |',
    '| --- | --- | --- | --- | --- |',
    ...[without, withPlugins].map(
      (r) =>
        `| ${r.name === 'no plugins' ? 'no plugins (baseline)' : 'PiiRedaction + PromptInjection + AiLogger'} | ${Math.round(r.perSecond)} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.samples} |`,
    ),
    '',
    `Median overhead of the three plugins: ${overhead.toFixed(1)} % (${us(withPlugins.p50 - without.p50)} per call).`,
    '',
    '| the hook alone, per call | 1 KB prompt | 8 KB prompt |',
    '| --- | --- | --- |',
    `| PiiRedactionPlugin.beforeRequest | ${us(alone[0].pii)} | ${us(alone[1].pii)} |`,
    `| PromptInjectionPlugin.beforeRequest | ${us(alone[0].injection)} | ${us(alone[1].injection)} |`,
    '',
    `AiUsage.record (in memory, written later): ${us(record)} per call.`,
  ];
  for (const line of lines) out(line);
  writeSection('ai-plugins', lines.join('\n'));
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
