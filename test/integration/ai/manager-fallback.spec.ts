import { AiModule, AIManager } from '@lattice/ai';
import { LatticeModule } from '@lattice/core';
import { Body, Controller, INestApplication, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { startFakeOpenAi, type FakeOpenAi } from '../../support/fake-openai';

@Controller('ask')
class AskController {
  constructor(private readonly ai: AIManager) {}

  @Post()
  async ask(@Body() body: { prompt: string; provider?: string | string[] }) {
    const { text, provider, fallbacks } = await this.ai.generate(body);
    return { text, provider, fallbacks };
  }

  @Post('stream')
  async stream(@Body() body: { prompt: string }) {
    const stream = this.ai.stream(body);
    const chunks: string[] = [];
    for await (const chunk of stream) chunks.push(chunk.text);
    const { provider, fallbacks } = await stream.response;
    return { chunks, provider, fallbacks };
  }
}

/**
 * Two OpenAI-compatible servers (two fakes) behind one app: "primary" first, "backup" second,
 * and the offline provider (which does no chat) last. Real HTTP all the way: the app's routes,
 * the openai client, the fakes.
 */
describe('AIManager fallback between OpenAI-compatible servers', () => {
  let primary: FakeOpenAi;
  let backup: FakeOpenAi;
  let app: INestApplication;
  let url: string;

  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    primary = await startFakeOpenAi();
    backup = await startFakeOpenAi();
    const gone = await startFakeOpenAi();
    const goneUrl = gone.url;
    await gone.close(); // nothing listens there any more
    @Module({
      imports: [
        LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
        AiModule.forRoot({
          providers: [
            {
              name: 'primary',
              type: 'openai',
              baseURL: primary.url,
              apiKey: 'k1',
              attempts: 2,
              timeoutMs: 300,
            },
            {
              name: 'backup',
              type: 'openai',
              baseURL: backup.url,
              apiKey: 'k2',
              attempts: 1,
              timeoutMs: 300,
            },
            { name: 'offline', type: 'offline' },
            { name: 'gone', type: 'openai', baseURL: goneUrl, attempts: 1 },
          ],
          chain: ['primary', 'backup', 'offline'],
          retry: { baseDelayMs: 1, maxDelayMs: 1_000 },
        }),
      ],
      controllers: [AskController],
    })
    class FallbackAppModule {}
    app = await NestFactory.create(FallbackAppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterEach(() => {
    primary.reset();
    backup.reset();
  });

  afterAll(async () => {
    await app?.close();
    await primary?.close();
    await backup?.close();
  });

  it('answers from the first server when it works', async () => {
    const response = await post('/ask', { prompt: 'hello' });
    expect(await response.json()).toEqual({
      text: 'Echo: hello',
      provider: 'primary',
      fallbacks: [],
    });
    expect(backup.requests).toHaveLength(0);
  });

  it('falls back to the second server after the first one’s attempts fail (500, then 429)', async () => {
    primary.script('/chat/completions', { status: 500 }, { status: 429, retryAfter: 0 });
    const body = (await (await post('/ask', { prompt: 'hello' })).json()) as {
      provider: string;
      fallbacks: { provider: string; error: string }[];
    };
    expect(body.provider).toBe('backup');
    expect(body.fallbacks).toEqual([
      { provider: 'primary', error: expect.stringContaining('rate_limit 429') },
    ]);
    expect(primary.requestsTo('/chat/completions')).toHaveLength(2);
    expect(backup.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('moves on at once when retry-after asks for longer than the backoff cap', async () => {
    primary.script('/chat/completions', { status: 429, retryAfter: 30 });
    const body = (await (await post('/ask', { prompt: 'x' })).json()) as { provider: string };
    expect(body.provider).toBe('backup');
    expect(primary.requestsTo('/chat/completions')).toHaveLength(1);
  });

  it('falls back on a timeout (the first server hangs)', async () => {
    primary.always('/chat/completions', { hang: true });
    const body = (await (await post('/ask', { prompt: 'x' })).json()) as {
      provider: string;
      fallbacks: { error: string }[];
    };
    expect(body.provider).toBe('backup');
    expect(body.fallbacks[0].error).toBe('timeout, no answer within 300 ms');
  });

  it('falls back on a network error (connection refused)', async () => {
    const body = (await (
      await post('/ask', { prompt: 'x', provider: ['gone', 'backup'] })
    ).json()) as {
      provider: string;
      fallbacks: { provider: string; error: string }[];
    };
    expect(body.provider).toBe('backup');
    expect(body.fallbacks).toEqual([{ provider: 'gone', error: 'network, ECONNREFUSED' }]);
  });

  it('does not fall back on a 400: the caller gets the error, the backup is not asked', async () => {
    primary.script('/chat/completions', { status: 400, message: 'messages: too many' });
    const response = await post('/ask', { prompt: 'x' });
    expect(response.status).toBe(500);
    expect(backup.requests).toHaveLength(0);
  });

  it('streams from the backup when the first server fails before its first chunk', async () => {
    primary.always('/chat/completions', { status: 503 });
    backup.script('/chat/completions', { chunks: ['from ', 'the ', 'backup'] });
    const body = (await (await post('/ask/stream', { prompt: 'x' })).json()) as {
      chunks: string[];
      provider: string;
    };
    expect(body).toMatchObject({ chunks: ['from ', 'the ', 'backup'], provider: 'backup' });
  });

  it('answers 503 with Retry-After naming the servers when all fail', async () => {
    primary.always('/chat/completions', { status: 500 });
    backup.always('/chat/completions', { status: 429, retryAfter: 7 });
    const response = await post('/ask', { prompt: 'x' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    const body = (await response.json()) as { message: string; code: string };
    expect(body.code).toBe('LATTICE_SERVICE_UNAVAILABLE');
    expect(body.message).toContain(
      'Every AI provider of the chain ("primary", "backup") is unreachable',
    );
    expect(body.message).toContain('primary: server 500');
    expect(body.message).toContain('backup: rate_limit 429');
  });

  it('answers 501 naming the providers that can chat when the chain has none', async () => {
    const response = await post('/ask', { prompt: 'x', provider: 'offline' });
    expect(response.status).toBe(501);
    const body = (await response.json()) as { message: string; hint: string; code: string };
    expect(body.code).toBe('LATTICE_AI_UNSUPPORTED');
    expect(body.message).toBe(
      'chat is not something the "offline" provider does (ai.generate()); providers that can: "primary", "backup", "gone".',
    );
    expect(primary.requests).toHaveLength(0);
  });
});
