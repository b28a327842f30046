import { LatticeModule, ServiceUnavailableError } from '@lattice/core';
import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { AiProviderError } from '../ai.errors';
import type {
  AiCall,
  AiCapability,
  AiModuleOptions,
  AiProvider,
  AIResponse,
  AiStreamChunk,
  ProviderStreamEvent,
  ProviderTextRequest,
  ProviderTextResult,
} from '../ai.interfaces';
import { AiUnsupportedError } from '../ai.messages';
import { AiModule } from '../ai.module';
import { AiBudgets } from '../budgets/ai-budgets';
import { AiResponseCache } from '../cache/ai-response-cache';
import { InjectAi } from '../decorators/inject-ai.decorator';
import { AiPluginRunner } from '../plugins/ai-plugin-runner';
import { AiUsage } from '../usage/ai-usage';
import { backoffDelay } from './ai-fallback';
import { AIManager } from './ai.manager';

type Step = ProviderTextResult | AiProviderError | Error | 'hang';

/** A scripted chat provider: each generate() takes the next step; records what it was asked. */
class ScriptedProvider implements AiProvider {
  readonly capabilities: AiCapability[];
  readonly asked: ProviderTextRequest[] = [];
  streamed: string[] = ['Hel', 'lo'];
  streamFailsAfter: number | undefined;

  constructor(
    readonly name: string,
    private readonly steps: Step[] = [],
    capabilities: AiCapability[] = ['chat', 'embed'],
  ) {
    this.capabilities = capabilities;
  }

  async generate(request: ProviderTextRequest, signal: AbortSignal): Promise<ProviderTextResult> {
    this.asked.push(request);
    const step = this.steps.shift() ?? ok(`${this.name} answers`);
    if (step === 'hang')
      return new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    if (step instanceof Error) throw step;
    return step;
  }

  async *stream(
    request: ProviderTextRequest,
    signal: AbortSignal,
  ): AsyncIterable<ProviderStreamEvent> {
    this.asked.push(request);
    const step = this.steps.shift();
    if (step instanceof Error) throw step;
    if (step === 'hang')
      await new Promise((_, reject) =>
        signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
      );
    let sent = 0;
    for (const text of this.streamed) {
      if (this.streamFailsAfter !== undefined && sent === this.streamFailsAfter)
        throw new AiProviderError(this.name, 'server', 'broke mid-stream', { status: 500 });
      yield { type: 'text', text };
      sent++;
    }
    yield { type: 'usage', usage: { promptTokens: 3, completionTokens: 2, totalTokens: 5 } };
    yield { type: 'finish', finishReason: 'stop' };
  }

  async embed(request: { model: string; input: string[] }) {
    return {
      embeddings: request.input.map((text) => [text.length, 1]),
      usage: { promptTokens: 4, completionTokens: 0, totalTokens: 4 },
    };
  }
}

function ok(text: string, promptTokens = 10, completionTokens = 5): ProviderTextResult {
  return {
    text,
    finishReason: 'stop',
    usage: { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens },
  };
}

const serverError = (provider: string, status = 500) =>
  new AiProviderError(provider, 'server', `status ${status}`, { status });

/** Records the order in which the pipeline calls its collaborators. */
const trace: string[] = [];

@Injectable()
class TracingPlugins extends AiPluginRunner {
  override async before(call: AiCall) {
    trace.push(`before ${call.operation} [${call.chain.join(',')}]`);
  }
  override chunk(_call: AiCall, chunk: AiStreamChunk) {
    trace.push(`chunk ${chunk.text}`);
    return { ...chunk, text: chunk.text.toUpperCase() };
  }
  override async after(_call: AiCall, response: AIResponse) {
    trace.push(`after ${response.provider}`);
  }
  override async error() {
    trace.push('error');
  }
}

@Injectable()
class TracingBudgets extends AiBudgets {
  override async check() {
    trace.push('budgets.check');
  }
  override async charge(_call: AiCall, response: AIResponse) {
    trace.push(`budgets.charge ${response.usage.totalTokens}`);
  }
}

@Injectable()
class TracingCache extends AiResponseCache {
  readonly stored = new Map<string, AIResponse>();
  override async lookup(call: AiCall) {
    trace.push('cache.lookup');
    return this.stored.get(JSON.stringify(call.request));
  }
  override async store(call: AiCall, response: AIResponse) {
    trace.push('cache.store');
    this.stored.set(JSON.stringify(call.request), response);
  }
  /** The final text the last recorded stream was stored with. */
  static recordedText: string | undefined;
  override recordStream() {
    return {
      chunk: () => undefined,
      abandon: () => undefined,
      finish: async (response: AIResponse & { text: string }) => {
        TracingCache.recordedText = response.text;
      },
    };
  }
}

@Injectable()
class TracingUsage extends AiUsage {
  override record(outcome: { error?: unknown; response?: AIResponse }) {
    trace.push(outcome.error ? 'usage.error' : `usage.record cached=${outcome.response?.cached}`);
  }
}

@Injectable()
class Consumer {
  constructor(
    @InjectAi() readonly all: AIManager,
    @InjectAi('b') readonly onlyB: AIManager,
  ) {}
}

async function manager(
  options: AiModuleOptions,
  providers: (typeof Consumer)[] = [],
): Promise<{ ai: AIManager; module: TestingModule }> {
  const module = await Test.createTestingModule({
    imports: [
      LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false }),
      AiModule.forRoot({ retry: { baseDelayMs: 1, maxDelayMs: 50 }, ...options }),
    ],
    providers,
  })
    .overrideProvider(AiPluginRunner)
    .useClass(TracingPlugins)
    .overrideProvider(AiBudgets)
    .useClass(TracingBudgets)
    .overrideProvider(AiResponseCache)
    .useClass(TracingCache)
    .overrideProvider(AiUsage)
    .useClass(TracingUsage)
    .compile();
  return { ai: module.get(AIManager), module };
}

const custom = (provider: AiProvider, attempts = 1, timeoutMs?: number) =>
  ({ name: provider.name, type: 'custom', provider, attempts, timeoutMs }) as const;

beforeEach(() => (trace.length = 0));

describe('AIManager pipeline', () => {
  it('runs the steps in order: before, budgets, cache, provider, store, charge, usage, after', async () => {
    const { ai } = await manager({ providers: [custom(new ScriptedProvider('a'))] });
    await ai.generate({ prompt: 'hi' });
    expect(trace).toEqual([
      'before generate [a]',
      'budgets.check',
      'cache.lookup',
      'cache.store',
      'budgets.charge 15',
      'usage.record cached=false',
      'after a',
    ]);
    trace.length = 0;
    const hit = await ai.generate({ prompt: 'hi' });
    expect(hit.cached).toBe(true);
    // A hit is neither stored again nor charged, and still counted.
    expect(trace).toEqual([
      'before generate [a]',
      'budgets.check',
      'cache.lookup',
      'usage.record cached=true',
      'after a',
    ]);
  });

  it('falls back in chain order, listing why each provider failed', async () => {
    const a = new ScriptedProvider('a', [serverError('a', 503)]);
    const b = new ScriptedProvider('b', [
      new AiProviderError('b', 'rate_limit', 'slow down', { status: 429 }),
    ]);
    const c = new ScriptedProvider('c');
    const { ai } = await manager({ providers: [custom(a), custom(b), custom(c)] });
    const response = await ai.generate({ prompt: 'hi' });
    expect(response.provider).toBe('c');
    expect(response.text).toBe('c answers');
    expect(response.fallbacks.map((f) => f.provider)).toEqual(['a', 'b']);
    expect(response.fallbacks[1].error).toContain('rate_limit 429');
  });

  it('follows the configured chain, and a call’s own provider list', async () => {
    const a = new ScriptedProvider('a');
    const b = new ScriptedProvider('b');
    const { ai } = await manager({ providers: [custom(a), custom(b)], chain: ['b', 'a'] });
    expect((await ai.generate({ prompt: 'x' })).provider).toBe('b');
    expect((await ai.generate({ prompt: 'y', provider: 'a' })).provider).toBe('a');
    expect((await ai.using(['a', 'b']).generate({ prompt: 'z' })).provider).toBe('a');
  });

  it('retries on one provider with backoff before moving on', async () => {
    const a = new ScriptedProvider('a', [serverError('a'), serverError('a'), ok('third time')]);
    const { ai } = await manager({ providers: [custom(a, 3)] });
    const response = await ai.generate({ prompt: 'x' });
    expect(response.text).toBe('third time');
    expect(a.asked).toHaveLength(3);
    expect(response.fallbacks).toEqual([]);
  });

  it('does not retry nor fall back on a client error (400)', async () => {
    const a = new ScriptedProvider('a', [
      new AiProviderError('a', 'client', 'bad request', { status: 400 }),
    ]);
    const b = new ScriptedProvider('b');
    const { ai } = await manager({ providers: [custom(a, 3), custom(b)] });
    await expect(ai.generate({ prompt: 'x' })).rejects.toMatchObject({
      kind: 'client',
      providerStatus: 400,
    });
    expect(a.asked).toHaveLength(1);
    expect(b.asked).toHaveLength(0);
    expect(trace).toContain('usage.error');
    expect(trace.at(-1)).toBe('error');
  });

  it('times out an attempt with the provider’s deadline, then falls back', async () => {
    const a = new ScriptedProvider('a', ['hang']);
    const b = new ScriptedProvider('b');
    const { ai } = await manager({ providers: [custom(a, 1, 30), custom(b)] });
    const response = await ai.generate({ prompt: 'x' });
    expect(response.provider).toBe('b');
    expect(response.fallbacks[0]).toEqual({
      provider: 'a',
      error: 'timeout, no answer within 30 ms',
    });
  });

  it('counts an unexpected error from a provider as its failure (and falls back)', async () => {
    const a = new ScriptedProvider('a', [new TypeError('undefined is not a function')]);
    const { ai } = await manager({ providers: [custom(a), custom(new ScriptedProvider('b'))] });
    const response = await ai.generate({ prompt: 'x' });
    expect(response.fallbacks[0].error).toContain('undefined is not a function');
  });

  it('answers 503 naming every provider when all fail', async () => {
    const { ai } = await manager({
      providers: [
        custom(new ScriptedProvider('a', [serverError('a')])),
        custom(new ScriptedProvider('b', [serverError('b', 502)])),
      ],
    });
    const error = await ai.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toBe(
      'Every AI provider of the chain ("a", "b") is unreachable (a: server 500, status 500; b: server 502, status 502): try again shortly.',
    );
  });

  it('computes the cost from the model’s prices per million tokens', async () => {
    const a = new ScriptedProvider('a', [ok('x', 2_000, 500)]);
    const { ai } = await manager({
      providers: [custom(a)],
      models: [
        { name: 'small', provider: 'a', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 },
      ],
    });
    const response = await ai.generate({ prompt: 'x' });
    expect(response.model).toBe('small');
    expect(response.cost).toBeCloseTo((2_000 * 0.15 + 500 * 0.6) / 1e6, 12);
    expect(a.asked[0].model).toBe('small');
  });

  it('sends a registered model’s provider name and tries its provider first', async () => {
    const a = new ScriptedProvider('a');
    const b = new ScriptedProvider('b');
    const { ai } = await manager({
      providers: [custom(a), custom(b)],
      models: [{ name: 'big', provider: 'b', providerModel: 'vendor/big-v2' }],
    });
    const response = await ai.generate({ prompt: 'x', model: 'big' });
    expect(response.provider).toBe('b');
    expect(b.asked[0].model).toBe('vendor/big-v2');
  });

  it('refuses a request over the context size before sending, saying how it estimated', async () => {
    const a = new ScriptedProvider('a');
    const { ai } = await manager({
      providers: [custom(a)],
      models: [{ name: 'tiny', provider: 'a', contextTokens: 10 }],
    });
    await expect(ai.generate({ prompt: 'a'.repeat(41) })).rejects.toThrow(
      'The request is too long for the model "tiny": about 11 tokens (estimated as characters / 4, answer tokens included) for a context of 10.',
    );
    await expect(ai.generate({ prompt: 'a'.repeat(20), maxTokens: 6 })).rejects.toThrow(
      /about 11 tokens/,
    );
    expect(a.asked).toHaveLength(0);
    expect((await ai.generate({ prompt: 'a'.repeat(40) })).text).toBe('a answers');
  });

  it('refuses an operation no provider of the chain does: 501 naming those that can', async () => {
    const chatOnly = new ScriptedProvider('openai', [], ['chat']);
    const { ai } = await manager({
      providers: [{ name: 'offline', type: 'offline' }, custom(chatOnly)],
      chain: ['offline'],
    });
    const error = await ai.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiUnsupportedError);
    expect((error as AiUnsupportedError).getStatus()).toBe(501);
    expect((error as Error).message).toBe(
      'chat is not something the "offline" provider does (ai.generate()); providers that can: "openai".',
    );
    // Nobody configured can do it (whatever the offline provider does, it does not answer as "openai").
    const none = await ai.embed({ input: 'x', provider: 'openai' }).catch((e: unknown) => e);
    expect((none as AiUnsupportedError).message).toMatch(
      /^embed is not something the "openai" provider does \(ai\.embed\(\)\); /,
    );
    expect(trace).toEqual(['usage.error', 'error', 'usage.error', 'error']);
  });

  it('tells how to configure a chat provider when none can chat', async () => {
    const { ai } = await manager({});
    const error = (await ai
      .generate({ prompt: 'x' })
      .catch((e: unknown) => e)) as AiUnsupportedError;
    expect(error.message).toContain('no configured provider can');
    expect(error.hint).toContain('Configure an OpenAI-compatible provider (AI_BASE_URL');
  });

  it('injects the manager, and with a name a view bound to that provider', async () => {
    const { module } = await manager(
      { providers: [custom(new ScriptedProvider('a')), custom(new ScriptedProvider('b'))] },
      [Consumer],
    );
    const consumer = module.get(Consumer);
    expect(consumer.all).toBe(module.get(AIManager));
    expect((await consumer.onlyB.generate({ prompt: 'x' })).provider).toBe('b');
    expect(consumer.onlyB.chain).toEqual(['b']);
    expect(() => consumer.all.using('nope')).toThrow(
      'The AI provider "nope" is not configured. Configured: "a", "b".',
    );
  });

  it('embeds many inputs in one call', async () => {
    const { ai } = await manager({ providers: [custom(new ScriptedProvider('a'))] });
    const response = await ai.embed({ input: ['ab', 'abcd'] });
    expect(response.embeddings).toEqual([
      [2, 1],
      [4, 1],
    ]);
  });
});

describe('AIManager streams', () => {
  it('runs chunks through the plugins and records the response', async () => {
    const { ai } = await manager({ providers: [custom(new ScriptedProvider('a'))] });
    const stream = ai.stream({ prompt: 'hi' });
    const texts: string[] = [];
    for await (const chunk of stream) texts.push(chunk.text);
    expect(texts).toEqual(['HEL', 'LO']);
    const response = await stream.response;
    expect(response).toMatchObject({ text: 'HELLO', provider: 'a', finishReason: 'stop' });
    // The cache keeps the provider's text, not what chunk plugins made of it (a restored e-mail).
    expect(TracingCache.recordedText).toBe('Hello');
    expect(response.usage.totalTokens).toBe(5);
    expect(trace).toEqual([
      'before stream [a]',
      'budgets.check',
      'chunk Hel',
      'chunk lo',
      'budgets.charge 5',
      'usage.record cached=false',
      'after a',
    ]);
  });

  it('falls back before the first chunk', async () => {
    const a = new ScriptedProvider('a', [serverError('a')]);
    const { ai } = await manager({ providers: [custom(a), custom(new ScriptedProvider('b'))] });
    const stream = ai.stream({ prompt: 'hi' });
    expect((await stream.response).provider).toBe('b');
  });

  it('does not fall back after the first chunk: the error reaches the reader', async () => {
    const a = new ScriptedProvider('a');
    a.streamed = ['one', 'two', 'three'];
    a.streamFailsAfter = 1;
    const b = new ScriptedProvider('b');
    const { ai } = await manager({ providers: [custom(a), custom(b)] });
    const stream = ai.stream({ prompt: 'hi' });
    const texts: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) texts.push(chunk.text);
      })(),
    ).rejects.toThrow('broke mid-stream');
    expect(texts).toEqual(['ONE']);
    await expect(stream.response).rejects.toThrow('broke mid-stream');
    expect(b.asked).toHaveLength(0);
  });

  it('reads its chunks once', async () => {
    const { ai } = await manager({ providers: [custom(new ScriptedProvider('a'))] });
    const stream = ai.stream({ prompt: 'hi' });
    for await (const _ of stream) void _;
    expect(() => stream[Symbol.asyncIterator]()).toThrow('already iterated');
  });

  it('resolves a stream cancelled before its first chunk as cancelled, with no text', async () => {
    const a = new ScriptedProvider('a', ['hang']);
    const { ai } = await manager({ providers: [custom(a)] });
    const stream = ai.stream({ prompt: 'hi' });
    stream.cancel();
    await expect(stream.response).resolves.toMatchObject({ text: '', finishReason: 'cancelled' });
  });
});

describe('backoffDelay', () => {
  const settings = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles per failed attempt, with half of it jittered, capped', () => {
    expect(backoffDelay(1, { ...settings, random: () => 0 })).toBe(50);
    expect(backoffDelay(1, { ...settings, random: () => 0.999 })).toBeCloseTo(99.95);
    expect(backoffDelay(3, { ...settings, random: () => 0.5 })).toBe(300);
    expect(backoffDelay(10, { ...settings, random: () => 1 })).toBe(1_000);
  });

  it('honours retry-after, or gives up on the provider when it asks for longer than the cap', () => {
    expect(backoffDelay(1, settings, 700)).toBe(700);
    expect(backoffDelay(1, settings, 5_000)).toBeUndefined();
  });
});
