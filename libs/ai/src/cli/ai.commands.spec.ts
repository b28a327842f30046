import { Global, Module } from '@nestjs/common';
import { CliExitCode, runLatticeCli } from '@lattice/core/cli';
import type { AiCall, AIResponse } from '../ai.interfaces';
import { AiUsage } from '../usage/ai-usage';
import { AI_USAGE_STORE } from '../usage/ai-usage.constants';
import { MemoryAiUsageStore } from '../usage/stores/memory-usage.store';
import { AiCommandsModule, formatCost, formatLatency } from './ai.commands';

/** Stands for a store the app and the command share (Redis in the integration test). */
class SharedStore extends MemoryAiUsageStore {
  override readonly kind = 'test';
  override readonly shared = true;
}

const store = new SharedStore();

@Global()
@Module({ providers: [{ provide: AI_USAGE_STORE, useValue: store }], exports: [AI_USAGE_STORE] })
class StoreModule {}

@Module({ imports: [StoreModule, AiCommandsModule] })
class TestCli {}

async function cli(argv: string[]) {
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  const err: string[] = [];
  try {
    const code = await runLatticeCli(TestCli, {
      name: 'lattice',
      argv,
      logger: false,
      output: { writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) },
    });
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    write.mockRestore();
  }
}

function record(usage: AiUsage, user: string | undefined, model: string, cached = false) {
  const call = {
    id: 'c',
    operation: 'generate',
    request: {},
    chain: ['fake'],
    user,
    startedAt: Date.now(),
    flags: [],
    signal: new AbortController().signal,
  } as AiCall;
  const response: AIResponse = {
    provider: 'fake',
    model,
    usage: { promptTokens: 12, completionTokens: 8, totalTokens: 20 },
    latencyMs: cached ? 0.2 : 180,
    cost: cached ? 0 : 0.0021,
    cached,
    fallbacks: [],
    flags: [],
  };
  usage.record({ call, response });
}

describe('lattice ai:usage', () => {
  beforeAll(async () => {
    // What the app recorded, in another AiUsage than the command's: they share only the store.
    const app = new AiUsage(store);
    record(app, 'ana', 'gpt-small');
    record(app, 'ana', 'gpt-small', true);
    record(app, 'bo', 'gpt-large');
    await app.flush();
  });

  it('prints a table per day, model and user with a total', async () => {
    const { code, stdout } = await cli(['ai:usage']);
    expect(code).toBe(CliExitCode.Success);
    const today = new Date().toISOString().slice(0, 10);
    expect(stdout).toMatch(
      /Day\s+│ Model\s+│ User\s+│ Calls │ Prompt tokens │ Completion tokens │ Cost\s+│ Cache hits\s+│ Errors │ Refused │ p50\s+│ p95/,
    );
    expect(stdout).toMatch(
      new RegExp(
        `${today} │ gpt-large │ bo\\s+│ 1\\s+│ 12\\s+│ 8\\s+│ \\$0\\.002100 │ 0 \\(0%\\)\\s+│ 0\\s+│ 0\\s+│ ≤ 250 ms │ ≤ 250 ms`,
      ),
    );
    expect(stdout).toMatch(
      new RegExp(
        `${today} │ gpt-small │ ana\\s+│ 2\\s+│ 24\\s+│ 16\\s+│ \\$0\\.002100 │ 1 \\(50%\\)\\s+│ 0\\s+│ 0\\s+│ ≤ 1 ms\\s+│ ≤ 250 ms`,
      ),
    );
    expect(stdout).toMatch(/Total\s+│\s+│\s+│ 3 /);
    expect(stdout).toContain('3 calls in the last 7 days (UTC), $0.004200, from the test store.');
  });

  it('groups by what --by names and filters by --user', async () => {
    const { stdout } = await cli(['ai:usage', '--by', 'model', '--user', 'ana', '--days', '1']);
    expect(stdout).toMatch(/│ gpt-small │ 2 /);
    expect(stdout).not.toContain('gpt-large');
    expect(stdout).toContain('2 calls in the last 1 day (UTC) for user ana');
  });

  it('says so when there is nothing, and refuses bad options', async () => {
    expect((await cli(['ai:usage', '--user', 'nobody'])).stdout).toContain(
      'No AI calls in the last 7 days (UTC) for user nobody.',
    );
    const bad = await cli(['ai:usage', '--by', 'colour']);
    expect(bad.code).toBe(CliExitCode.Usage);
    expect(bad.stderr).toMatch(/--by takes day, provider, model, operation, user, got "colour"/);
    expect((await cli(['ai:usage', '--days', '0'])).code).toBe(CliExitCode.Usage);
  });

  it('formats costs and latencies for people', () => {
    expect(formatCost(0)).toBe('$0.0000');
    expect(formatCost(0.000039)).toBe('$0.000039');
    expect(formatCost(12.5)).toBe('$12.5000');
    expect(formatLatency(250, 3)).toBe('≤ 250 ms');
    expect(formatLatency(2500, 3)).toBe('≤ 2.5 s');
    expect(formatLatency(Infinity, 3)).toBe('> 60 s');
    expect(formatLatency(0, 0)).toBe('-');
  });
});
