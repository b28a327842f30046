import { LatticeError, LatticeModule } from '@lattice/core';
import { CacheModule } from '@lattice/cache';
import {
  AI_MODULE_OPTIONS,
  AiCall,
  AiModuleOptions,
  AiOperation,
  AIRequest,
  AiStreamChunk,
  AiTextResponse,
} from '@lattice/ai';
import { AiModule, AIManager, AiResponseCache, replayStream } from '@lattice/ai';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

// The response cache on its own, with hand-made calls, on the memory store and on Redis.

async function boot(
  env: Record<string, string>,
  options: AiModuleOptions,
  withCacheModule = true,
): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      ...(withCacheModule
        ? [CacheModule.forRoot({ tagCleanupIntervalMs: 0, stores: { ai: { ttl: 5_000 } } })]
        : []),
    ],
    providers: [{ provide: AI_MODULE_OPTIONS, useValue: options }, AiResponseCache],
  })
  class AiCacheTestModule {}
  return NestFactory.createApplicationContext(AiCacheTestModule, {
    logger: false,
    abortOnError: false,
  });
}

let ids = 0;
function call(
  request: AIRequest,
  operation: AiOperation = 'generate',
  signal = new AbortController().signal,
): AiCall {
  return {
    id: `call-${++ids}`,
    operation,
    request,
    chain: ['openai', 'offline'],
    user: request.user,
    startedAt: Date.now(),
    flags: [],
    signal,
  };
}

function answer(text: string, extra: Partial<AiTextResponse> = {}): AiTextResponse {
  return {
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17 },
    latencyMs: 420,
    cost: 0.0021,
    cached: false,
    fallbacks: [{ provider: 'primary', error: 'timeout' }],
    flags: [],
    text,
    finishReason: 'stop',
    ...extra,
  };
}

const chunksOf = (parts: string[]): AiStreamChunk[] =>
  parts.map((text, index) => ({ text, index, at: index * 15 }));

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

function cacheSuite(driver: 'memory' | 'redis', env: () => Record<string, string>) {
  let app: INestApplicationContext;
  let cache: AiResponseCache;
  /** Each test its own prompt, so tests never see each other's entries. */
  let n = 0;
  const prompt = () => `Question ${++n} for the ${driver} store: what is Lattice?`;

  beforeAll(async () => {
    app = await boot(env(), { cache: { ttl: 60_000 } });
    cache = app.get(AiResponseCache);
  });
  afterAll(() => app?.close());

  it(`is on, on the ${driver} store`, () => {
    expect(cache.status()).toMatchObject({ enabled: true, store: 'default', driver, ttl: 60_000 });
    expect(cache.describe()).toBe(`response cache on store "default" (${driver}), ttl 60 s`);
  });

  it('answers an identical request (normalized) from the cache: cached, cost 0, the original provider', async () => {
    const request = { model: 'gpt-4o-mini', prompt: prompt(), temperature: 0 };
    expect(await cache.lookup(call(request))).toBeUndefined();
    await cache.store(call(request), answer('Lattice is a set of Nest libraries.'));

    const hit = await cache.lookup(
      call({
        ...request,
        prompt: `  ${request.prompt.replace(/ /g, '  ')}\n`,
        user: 'someone-else',
        metadata: { feature: 'x' },
      }),
    );
    expect(hit).toMatchObject({
      text: 'Lattice is a set of Nest libraries.',
      cached: true,
      cost: 0,
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: { promptTokens: 12, completionTokens: 5, totalTokens: 17 },
      finishReason: 'stop',
      fallbacks: [],
      flags: [],
    });
    expect(hit!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(hit!.latencyMs).not.toBe(420); // the lookup's own time, not the original call's
  });

  it('misses when a parameter that changes the answer differs', async () => {
    const request = { model: 'gpt-4o-mini', prompt: prompt(), temperature: 0 };
    await cache.store(call(request), answer('cached'));
    for (const different of [
      { ...request, temperature: 0.9 },
      { ...request, maxTokens: 5 },
      { ...request, topP: 0.1 },
      { ...request, stop: ['.'] },
      { ...request, model: 'gpt-4o' },
      { ...request, system: 'Answer in French.' },
    ])
      expect(await cache.lookup(call(different))).toBeUndefined();
    expect(await cache.lookup(call(request, 'stream'))).toBeUndefined(); // another operation
    expect(await cache.lookup(call(request))).toBeDefined();
  });

  it('caches non-deterministic calls (temperature > 0) too, unless the call opts out', async () => {
    const request = { prompt: prompt(), temperature: 1 };
    await cache.store(call(request), answer('a creative answer'));
    expect(await cache.lookup(call(request))).toMatchObject({ text: 'a creative answer' });
    expect(await cache.lookup(call({ ...request, cache: false }))).toBeUndefined();
  });

  it('neither reads nor writes for a call with cache: false', async () => {
    const request = { prompt: prompt() };
    await cache.store(call({ ...request, cache: false }), answer('not kept'));
    expect(await cache.lookup(call(request))).toBeUndefined();
    await cache.store(call(request), answer('kept'));
    expect(await cache.lookup(call({ ...request, cache: false }))).toBeUndefined();
    expect(cache.recordStream(call({ ...request, cache: false }, 'stream'))).toBeUndefined();
  });

  it('does not keep cancelled, filtered or already cached answers', async () => {
    for (const extra of [
      { finishReason: 'cancelled' as const },
      { finishReason: 'content_filter' as const },
      { cached: true },
    ]) {
      const request = { prompt: prompt() };
      await cache.store(call(request), answer('partial', extra));
      expect(await cache.lookup(call(request))).toBeUndefined();
    }
  });

  it('expires an entry after the call’s own ttl', async () => {
    const request = { prompt: prompt(), cache: { ttl: 1000 } }; // long enough to read back on a loaded machine
    await cache.store(call(request), answer('short-lived'));
    const longer = { prompt: request.prompt }; // same key: the ttl is not part of it
    expect(await cache.lookup(call(longer))).toMatchObject({ text: 'short-lived' });
    await waitFor(async () => (await cache.lookup(call(longer))) === undefined, {
      what: 'the entry to expire',
    });
  });

  it('records a stream while it is read and replays the same chunks in order', async () => {
    const request = { prompt: prompt() };
    const recorder = cache.recordStream(call(request, 'stream'))!;
    const chunks = chunksOf(['Lat', 'tice ', 'streams', ' too', '.']);
    for (const chunk of chunks) recorder.chunk(chunk);
    expect(await cache.lookupStream(call(request, 'stream'))).toBeUndefined(); // not before it ends
    await recorder.finish(answer('Lattice streams too.'));

    const recorded = (await cache.lookupStream(call(request, 'stream')))!;
    expect(recorded.chunks).toEqual(chunks);
    expect(recorded.response).toMatchObject({
      text: 'Lattice streams too.',
      cached: true,
      cost: 0,
    });
    const replayed = await collect(cache.replay(call(request, 'stream'), recorded));
    expect(replayed.map(({ text, index }) => ({ text, index }))).toEqual(
      chunks.map(({ text, index }) => ({ text, index })),
    );
    // The recorded pace on request: the chunks come with their recorded `at`.
    const timed = await collect(
      cache.replay(call({ ...request, cache: { replayTiming: true } }, 'stream'), recorded),
    );
    expect(timed).toEqual(chunks);
    expect(await cache.lookup(call(request, 'generate'))).toBeUndefined(); // a stream is not a generate
  });

  it('never stores a stream that was cancelled or failed', async () => {
    const controller = new AbortController();
    const cancelled = { prompt: prompt() };
    const byCaller = cache.recordStream(call(cancelled, 'stream', controller.signal))!;
    byCaller.chunk(chunksOf(['Hal'])[0]);
    controller.abort();
    await byCaller.finish(answer('Hal'));

    const byReason = { prompt: prompt() };
    const stopped = cache.recordStream(call(byReason, 'stream'))!;
    stopped.chunk(chunksOf(['Hal'])[0]);
    await stopped.finish(answer('Hal', { finishReason: 'cancelled' }));

    const failed = { prompt: prompt() };
    const broken = cache.recordStream(call(failed, 'stream'))!;
    broken.chunk(chunksOf(['Hal'])[0]);
    broken.abandon();
    await broken.finish(answer('Hal')); // a finish after abandon() stores nothing either

    for (const request of [cancelled, byReason, failed])
      expect(await cache.lookupStream(call(request, 'stream'))).toBeUndefined();
  });

  it('caches embeddings per text: a batch with half new texts computes only the new half', async () => {
    const texts = [0, 1, 2, 3].map((i) => `${driver} text ${i} ${prompt()}`);
    const vector = (text: string) => [text.length / 7, -1 / 3, Math.PI, 1e-12];
    const computed: string[][] = [];
    const compute = async (missing: string[]) => {
      computed.push(missing);
      return missing.map(vector);
    };
    const request = { model: 'text-embedding-3-small', input: texts.slice(0, 2) };

    const first = await cache.embedCached(call(request, 'embed'), texts.slice(0, 2), compute);
    expect(first).toEqual({ embeddings: texts.slice(0, 2).map(vector), hits: 0 });
    const second = await cache.embedCached(
      call({ ...request, input: texts }, 'embed'),
      [texts[0], texts[2], texts[1], texts[3], texts[2]],
      compute,
    );
    expect(computed).toEqual([texts.slice(0, 2), [texts[2], texts[3]]]); // each new text once
    expect(second.hits).toBe(2);
    // Exact vectors back (float64), in input order.
    expect(second.embeddings).toEqual(
      [texts[0], texts[2], texts[1], texts[3], texts[2]].map(vector),
    );

    const otherModel = await cache.embedCached(
      call({ ...request, model: 'other' }, 'embed'),
      [texts[0]],
      compute,
    );
    expect(otherModel.hits).toBe(0);
    const optedOut = await cache.embedCached(
      call({ ...request, cache: false }, 'embed'),
      [texts[0]],
      compute,
    );
    expect(optedOut.hits).toBe(0);
    expect(computed).toHaveLength(4);
  });
}

describe('AI response cache [memory]', () => {
  cacheSuite('memory', () => ({}));

  it('is off without CacheModule, and says why', async () => {
    const app = await boot({}, {}, false);
    try {
      const cache = app.get(AiResponseCache);
      expect(cache.status()).toEqual({
        enabled: false,
        reason: 'CacheModule is not imported (import CacheModule.forRoot() to cache responses)',
      });
      const request = { prompt: 'no cache' };
      await cache.store(call(request), answer('x'));
      expect(await cache.lookup(call(request))).toBeUndefined();
      const computed = await cache.embedCached(call({ input: ['a'] }, 'embed'), ['a'], async () => [
        [1],
      ]);
      expect(computed).toEqual({ embeddings: [[1]], hits: 0 });
    } finally {
      await app.close();
    }
  });

  it('is off with cache: false, even with CacheModule', async () => {
    const app = await boot({}, { cache: false });
    try {
      expect(app.get(AiResponseCache).describe()).toBe(
        'response cache off: turned off (`cache: false`)',
      );
    } finally {
      await app.close();
    }
  });

  it('fails the boot when cache: { … } is set without CacheModule, naming CacheModule', async () => {
    const failure = await boot({}, { cache: { ttl: 1000 } }, false).then(
      (app) => app.close().then(() => undefined),
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(LatticeError);
    expect(failure).toMatchObject({ code: 'LATTICE_AI_CACHE_MODULE_MISSING' });
    expect((failure as LatticeError).message).toContain('CacheModule');
    expect((failure as LatticeError).hint).toContain('CacheModule.forRoot()');
  });

  it('uses the named store of the options, and fails the boot naming a store CacheModule lacks', async () => {
    const app = await boot({}, { cache: { store: 'ai' } });
    try {
      expect(app.get(AiResponseCache).status()).toMatchObject({ enabled: true, store: 'ai' });
    } finally {
      await app.close();
    }
    const failure = await boot({}, { cache: { store: 'nope' } }).then(
      (started) => started.close().then(() => undefined),
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({
      code: 'LATTICE_AI_CACHE_STORE_UNKNOWN',
      message:
        'AiModule options name the cache store "nope", which CacheModule does not configure.',
    });
  });

  it('exports replayStream for the manager', async () => {
    const replayed = await collect(
      replayStream({ chunks: chunksOf(['a', 'b']) }, { timing: true }),
    );
    expect(replayed).toEqual(chunksOf(['a', 'b']));
  });
});

describeWith(['redis'], 'AI response cache [redis]', () => {
  const prefix = uniqueRedisPrefix('ai-cache');
  const env = () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix });
  cacheSuite('redis', env);

  it('shares entries between two app instances on one Redis', async () => {
    const [a, b] = await Promise.all([boot(env(), {}), boot(env(), {})]);
    try {
      const request = { prompt: 'Shared between nodes?' };
      await a.get(AiResponseCache).store(call(request), answer('Yes.'));
      expect(await b.get(AiResponseCache).lookup(call(request))).toMatchObject({
        text: 'Yes.',
        cached: true,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

// ---- Through AIManager, against the fake OpenAI-compatible server (real HTTP, real client) ----

async function bootManager(
  env: Record<string, string>,
  fake: FakeOpenAi,
  options: AiModuleOptions = {},
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
        models: [
          {
            name: 'fake-chat',
            provider: 'openai',
            inputPricePerMillion: 0.15,
            outputPricePerMillion: 0.6,
          },
          { name: 'fake-embed', provider: 'openai', capabilities: ['embed'] },
        ],
        ...options,
      }),
    ],
  })
  class AiManagerCacheTestModule {}
  return NestFactory.createApplicationContext(AiManagerCacheTestModule, {
    logger: false,
    abortOnError: false,
  });
}

function managerSuite(driver: 'memory' | 'redis', env: () => Record<string, string>) {
  let fake: FakeOpenAi;
  let app: INestApplicationContext;
  let ai: AIManager;
  let n = 0;
  const prompt = () => `Manager question ${++n} (${driver}): what is Lattice?`;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    app = await bootManager(env(), fake, { cache: { ttl: 60_000 } });
    ai = app.get(AIManager);
  });
  afterEach(() => fake.reset());
  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers the second identical generate from the cache: no request sent, cost 0, same provider', async () => {
    fake.script('/chat/completions', { content: 'A set of Nest libraries.' });
    const request = { prompt: prompt(), temperature: 0 };
    const first = await ai.generate(request);
    const second = await ai.generate({ ...request, prompt: ` ${request.prompt}  `, user: 'u2' });
    expect(first).toMatchObject({ cached: false, provider: 'openai' });
    expect(first.cost).toBeGreaterThan(0);
    expect(second).toMatchObject({
      text: 'A set of Nest libraries.',
      cached: true,
      cost: 0,
      provider: 'openai',
      model: first.model,
      usage: first.usage,
    });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('sends the request again when a parameter differs or the call opts out', async () => {
    fake.always('/chat/completions', { content: 'fresh' });
    const request = { prompt: prompt(), temperature: 0 };
    await ai.generate(request);
    expect((await ai.generate({ ...request, temperature: 0.5 })).cached).toBe(false);
    expect((await ai.generate({ ...request, maxTokens: 3 })).cached).toBe(false);
    expect((await ai.generate({ ...request, cache: false })).cached).toBe(false);
    expect((await ai.generate(request)).cached).toBe(true);
    expect(fake.requestsTo('/chat/completions')).toHaveLength(4);
  });

  it('caches generateObject by schema: the same shape hits, another shape misses', async () => {
    fake.always('/chat/completions', { content: '{"title":"Caching","tags":["ai"]}' });
    const request = {
      prompt: prompt(),
      schema: z.object({ title: z.string(), tags: z.array(z.string()) }),
    };
    const first = await ai.generateObject(request);
    const again = await ai.generateObject({
      ...request,
      schema: z.object({ title: z.string(), tags: z.array(z.string()) }),
    });
    expect(again).toMatchObject({ cached: true, object: first.object });
    const other = await ai.generateObject({ ...request, schema: z.object({ title: z.string() }) });
    expect(other.cached).toBe(false);
    expect(fake.requestsTo('/chat/completions')).toHaveLength(2);
  });

  it('replays a cached stream: the same chunks in the same order, without a request', async () => {
    fake.script('/chat/completions', { chunks: ['Lat', 'tice ', 'streams ', 'too', '.'] });
    const request = { prompt: prompt() };
    const live = ai.stream(request);
    const liveChunks = await collect(live);
    const liveResponse = await live.response;
    expect(liveResponse.cached).toBe(false);

    const replay = ai.stream(request);
    const replayed = await collect(replay);
    const response = await replay.response;
    expect(replayed.map(({ text, index }) => ({ text, index }))).toEqual(
      liveChunks.map(({ text, index }) => ({ text, index })),
    );
    expect(replayed.map((chunk) => chunk.text)).toEqual(['Lat', 'tice ', 'streams ', 'too', '.']);
    expect(response).toMatchObject({
      text: 'Lattice streams too.',
      cached: true,
      cost: 0,
      provider: 'openai',
      finishReason: 'stop',
    });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('does not keep a stream the caller cancelled', async () => {
    fake.script('/chat/completions', { chunks: ['one ', 'two ', 'three'], delayMs: 50 });
    fake.always('/chat/completions', { content: 'complete answer' });
    const request = { prompt: prompt() };
    const stream = ai.stream(request);
    for await (const chunk of stream) {
      expect(chunk.text).toBe('one ');
      stream.cancel();
    }
    expect((await stream.response).finishReason).toBe('cancelled');
    const next = ai.stream(request);
    await collect(next);
    expect(await next.response).toMatchObject({ cached: false, text: 'complete answer' });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(2);
  });
}

describe('AI response cache through AIManager [memory]', () => {
  managerSuite('memory', () => ({}));
});

describeWith(['redis'], 'AI response cache through AIManager [redis]', () => {
  const prefix = uniqueRedisPrefix('ai-cache-manager');
  managerSuite('redis', () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }));
});
