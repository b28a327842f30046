import { AiModule, AiModuleOptions, AIManager, AiProviderError, OpenAiProvider } from '@lattice/ai';
import { LatticeModule, ServiceUnavailableError } from '@lattice/core';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { z } from 'zod';
import { fakeEmbedding, startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai';

/** An app with AiModule on the fake server (one attempt each, tiny backoff). */
export async function bootAi(options: AiModuleOptions): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      AiModule.forRoot({ retry: { baseDelayMs: 1, maxDelayMs: 2_000 }, ...options }),
    ],
  })
  class AiTestModule {}
  return NestFactory.createApplicationContext(AiTestModule, { logger: false, abortOnError: false });
}

describe('OpenAiProvider against an OpenAI-compatible server (the real openai client)', () => {
  let fake: FakeOpenAi;
  let app: INestApplicationContext;
  let ai: AIManager;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    app = await bootAi({
      providers: [
        {
          name: 'openai',
          type: 'openai',
          baseURL: fake.url,
          apiKey: 'sk-test',
          attempts: 2,
          timeoutMs: 500,
        },
      ],
      models: [
        {
          name: 'fake-chat',
          provider: 'openai',
          contextTokens: 1_000,
          inputPricePerMillion: 0.15,
          outputPricePerMillion: 0.6,
        },
        {
          name: 'fake-embed',
          provider: 'openai',
          capabilities: ['embed'],
          inputPricePerMillion: 0.02,
        },
      ],
    });
    ai = app.get(AIManager);
  });

  afterEach(() => fake.reset());

  afterAll(async () => {
    await app?.close();
    await fake?.close();
  });

  it('answers a chat with usage, cost, latency and the provider', async () => {
    fake.script('/chat/completions', {
      content: 'Hello there',
      usage: { prompt_tokens: 1_000_000, completion_tokens: 2_000_000 },
    });
    const response = await ai.generate({
      prompt: 'Say hello',
      system: 'Be brief.',
      temperature: 0,
    });
    expect(response).toMatchObject({
      text: 'Hello there',
      provider: 'openai',
      model: 'fake-chat',
      finishReason: 'stop',
      cached: false,
      fallbacks: [],
      usage: { promptTokens: 1_000_000, completionTokens: 2_000_000, totalTokens: 3_000_000 },
    });
    expect(response.cost).toBeCloseTo(0.15 + 1.2, 9);
    expect(response.latencyMs).toBeGreaterThan(0);
    const [sent] = fake.requestsTo('/chat/completions');
    expect(sent.body).toMatchObject({
      model: 'fake-chat',
      temperature: 0,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
    expect(sent.headers.authorization).toBe('Bearer sk-test');
  });

  it('streams chunk by chunk, with usage from the usage chunk', async () => {
    fake.script('/chat/completions', {
      chunks: ['One ', 'two ', 'three.'],
      delayMs: 30,
      usage: { prompt_tokens: 7, completion_tokens: 3 },
    });
    const stream = ai.stream({ prompt: 'Count' });
    const seen: { text: string; requestsSoFar: number; index: number }[] = [];
    for await (const chunk of stream)
      seen.push({ text: chunk.text, index: chunk.index, requestsSoFar: fake.requests.length });
    expect(seen.map((c) => c.text)).toEqual(['One ', 'two ', 'three.']);
    expect(seen.map((c) => c.index)).toEqual([0, 1, 2]);
    const response = await stream.response;
    expect(response).toMatchObject({
      text: 'One two three.',
      finishReason: 'stop',
      provider: 'openai',
      usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10 },
    });
    const [sent] = fake.requestsTo('/chat/completions');
    expect(sent.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('delivers the first chunk before the server has sent the last one', async () => {
    fake.script('/chat/completions', { chunks: ['first ', 'second ', 'third'], delayMs: 200 });
    const stream = ai.stream({ prompt: 'Slowly' });
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value).toMatchObject({ text: 'first ', index: 0 });
    // The response is still pending: the rest is still on its way.
    let settled = false;
    void stream.response.then(() => (settled = true));
    expect(settled).toBe(false);
    const rest: string[] = [];
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      rest.push(next.value.text);
    expect(rest).toEqual(['second ', 'third']);
  });

  it('cancels a stream: the request is aborted and the response keeps the text so far', async () => {
    fake.script('/chat/completions', { chunks: ['a ', 'b ', 'c ', 'd ', 'e'], delayMs: 100 });
    const stream = ai.stream({ prompt: 'Long answer' });
    const texts: string[] = [];
    for await (const chunk of stream) {
      texts.push(chunk.text);
      if (texts.length === 2) stream.cancel();
    }
    const response = await stream.response;
    expect(response.finishReason).toBe('cancelled');
    expect(response.text).toBe('a b ');
    expect(texts).toEqual(['a ', 'b ']);
  });

  it('embeds texts: base64 float32 asked by the client and decoded', async () => {
    const response = await ai.embed({ input: ['red apples', 'green pears'] });
    expect(fake.requestsTo('/embeddings')[0].body).toMatchObject({
      model: 'fake-embed',
      encoding_format: 'base64',
      input: ['red apples', 'green pears'],
    });
    expect(response.embeddings).toEqual([
      fakeEmbedding('red apples'),
      fakeEmbedding('green pears'),
    ]);
    expect(response).toMatchObject({ provider: 'openai', model: 'fake-embed' });
    expect(response.usage.promptTokens).toBeGreaterThan(0);
  });

  it('moderates through /moderations', async () => {
    const bad = await ai.moderate({ text: 'I hate you' });
    const fine = await ai.moderate({ text: 'Thank you' });
    expect(bad.flagged).toBe(true);
    expect(bad.categories.hate).toBeGreaterThan(0.5);
    expect(fine.flagged).toBe(false);
  });

  it('classifies through the chat model, as JSON', async () => {
    fake.script('/chat/completions', {
      content: JSON.stringify({ label: 'bug', scores: { bug: 0.9, question: 0.1 } }),
    });
    const response = await ai.classify({ text: 'It crashes', labels: ['bug', 'question'] });
    expect(response).toMatchObject({ label: 'bug', scores: { bug: 0.9, question: 0.1 } });
    expect(fake.requestsTo('/chat/completions')[0].body).toMatchObject({
      response_format: { type: 'json_object' },
    });
  });

  it('waits for retry-after on a 429, then answers', async () => {
    fake.script(
      '/chat/completions',
      { status: 429, retryAfterMs: 150 },
      { content: 'after the wait' },
    );
    const response = await ai.generate({ prompt: 'Busy?' });
    expect(response.text).toBe('after the wait');
    const [first, second] = fake.requestsTo('/chat/completions');
    expect(second.at - first.at).toBeGreaterThanOrEqual(150);
  });

  it('retries a 500 on the same provider', async () => {
    fake.script('/chat/completions', { status: 500 }, { content: 'second try' });
    expect((await ai.generate({ prompt: 'x' })).text).toBe('second try');
    expect(fake.requestsTo('/chat/completions')).toHaveLength(2);
  });

  it('gives up after its attempts: 503 naming the provider and the failures', async () => {
    fake.script('/chat/completions', { status: 500 }, { status: 502 });
    const error = await ai.generate({ prompt: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toContain('The AI provider "openai" is unreachable');
    expect((error as Error).message).toContain('server 502');
  });

  it('times an attempt out (the request is aborted) and retries', async () => {
    fake.script('/chat/completions', { hang: true }, { content: 'in time' });
    const response = await ai.generate({ prompt: 'x' });
    expect(response.text).toBe('in time');
  });

  it('does not retry a 400: the request is the caller’s', async () => {
    fake.script('/chat/completions', { status: 400, message: 'bad temperature' });
    const error = await ai.generate({ prompt: 'x', temperature: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiProviderError);
    expect(error).toMatchObject({ kind: 'client', status: 400 });
    expect(fake.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('asks again when the answer is not JSON, then returns the validated object', async () => {
    fake.script(
      '/chat/completions',
      { content: '{"title": "Half' },
      { content: '{"title": 3}' },
      { content: '```json\n{"title": "Fixed", "tags": ["a"]}\n```' },
    );
    const schema = z.object({ title: z.string(), tags: z.array(z.string()) });
    const response = await ai.generateObject({ prompt: 'A post', schema });
    expect(response.object).toEqual({ title: 'Fixed', tags: ['a'] });
    const sent = fake.requestsTo('/chat/completions');
    expect(sent).toHaveLength(3);
    expect(sent[0].body.response_format).toEqual({ type: 'json_object' });
    const retried = sent[2].body.messages as { role: string; content: string }[];
    expect(retried.at(-1)?.content).toContain('does not match the schema');
    expect(sent[1].body.messages.at(-1).content).toContain('not JSON');
  });

  it('treats a body that is not JSON as the server’s failure', async () => {
    fake.script('/chat/completions', { raw: '{"choices": [' }, { content: 'whole' });
    expect((await ai.generate({ prompt: 'x' })).text).toBe('whole');
  });

  it('refuses a request over the model’s context before sending it', async () => {
    const error = await ai.generate({ prompt: 'x'.repeat(5_000) }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('too long for the model "fake-chat"');
    expect((error as Error).message).toContain('characters / 4');
    expect(fake.requests).toHaveLength(0);
  });

  it('exposes the raw client for what the manager does not cover', async () => {
    const provider = ai.provider('openai') as OpenAiProvider;
    const models = await provider.client.models.list();
    expect(models.data.map((m) => m.id)).toContain('fake-chat');
  });
});
