import {
  AiModule,
  AiModuleOptions,
  AIManager,
  OfflineProvider,
  SparseVectorIndex,
} from '@lattice/ai';
import { LatticeModule } from '@lattice/core';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createServer } from 'node:net';

async function bootAi(options: AiModuleOptions): Promise<INestApplicationContext> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      AiModule.forRoot({ retry: { baseDelayMs: 1, maxDelayMs: 10 }, ...options }),
    ],
  })
  class OfflineAiTestModule {}
  return NestFactory.createApplicationContext(OfflineAiTestModule, {
    logger: false,
    abortOnError: false,
  });
}

/** A port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the offline provider through AIManager (AiModule with no options)', () => {
  let app: INestApplicationContext;
  let ai: AIManager;

  beforeAll(async () => {
    app = await bootAi({});
    ai = app.get(AIManager);
  });

  afterAll(() => app.close());

  it('answers every capability but chat, naming itself and its models, at no cost', async () => {
    const embed = await ai.embed({
      input: ['How do I cache queries?', 'Caching queries in Redis'],
    });
    expect(embed).toMatchObject({
      provider: 'offline',
      model: 'lattice-offline-hash-512',
      cost: 0,
    });
    expect(embed.embeddings).toHaveLength(2);
    expect(embed.embeddings[0]).toHaveLength(512);
    const sentiment = await ai.sentiment({ text: 'Thanks, this is a great answer!' });
    expect(sentiment).toMatchObject({
      provider: 'offline',
      model: 'lattice-offline',
      label: 'positive',
    });
    const keywords = await ai.keywords({ text: 'Running TypeORM migrations in NestJS', limit: 3 });
    expect(keywords.keywords).toEqual(expect.arrayContaining(['typeorm', 'nestjs']));
    const summary = await ai.summarize({
      text:
        'I had the same problem last year. You can use Redis as a cache for slow database queries. ' +
        'Give every cached query an expiry, or stale database results stay in Redis. Hope this helps!',
      sentences: 2,
    });
    expect(summary.summary).toBe(
      'You can use Redis as a cache for slow database queries. Give every cached query an expiry, or stale database results stay in Redis.',
    );
    const language = await ai.language({ text: 'Wie kann ich die Datenbank schneller machen?' });
    expect(language.language).toBe('de');
    const moderation = await ai.moderate({ text: 'You idiot, I know where you live.' });
    expect(moderation.flagged).toBe(true);
    const classified = await ai.classify({
      text: 'The server crashes on startup',
      labels: ['bug: crash, error, broken', 'feature: please add'],
    });
    expect(classified.label).toBe('bug: crash, error, broken');
  });

  it('refuses chat with an error that says the offline provider does not chat', async () => {
    await expect(ai.generate({ prompt: 'Hello?' })).rejects.toThrow(
      /chat is not something the "offline" provider does/,
    );
  });

  it('feeds a SparseVectorIndex for similar questions', async () => {
    const titles = [
      'How do I cache database queries with Redis?',
      'JWT token expires too soon',
      'Docker image is too large',
    ];
    const { embeddings } = await ai.embed({ input: titles });
    const index = new SparseVectorIndex<number>({ dimensions: 512 });
    embeddings.forEach((vector, id) => index.add(id, vector));
    const [typed] = (await ai.embed({ input: ['caching queries in redis'] })).embeddings;
    expect(index.search(typed, { k: 1, threshold: 0.2 })).toEqual([
      { id: 0, score: expect.any(Number) },
    ]);
  });
});

describe('the offline provider as the fallback of an unreachable OpenAI-compatible server', () => {
  let app: INestApplicationContext;

  beforeAll(async () => {
    app = await bootAi({
      providers: [
        {
          name: 'openai',
          type: 'openai',
          baseURL: `http://127.0.0.1:${await closedPort()}/v1`,
          apiKey: 'sk-test',
          attempts: 1,
          timeoutMs: 2_000,
          defaultModels: { chat: 'gpt-4o-mini', summarize: 'gpt-4o-mini' },
        },
        { name: 'offline', type: 'offline' },
      ],
    });
  });

  afterAll(() => app.close());

  it('answers offline when the server is down, and says which provider failed', async () => {
    const ai = app.get(AIManager);
    const response = await ai.summarize({
      text: 'The cache is slow. Redis runs on a small machine. A bigger Redis machine fixed the slow cache.',
    });
    expect(response.provider).toBe('offline');
    expect(response.fallbacks).toEqual([{ provider: 'openai', error: expect.any(String) }]);
    expect(response.summary).toBe('A bigger Redis machine fixed the slow cache.');
  });

  it('sends what only the offline provider does (sentiment) to it directly', async () => {
    const response = await app.get(AIManager).sentiment({ text: 'This is awful and I hate it.' });
    expect(response).toMatchObject({ provider: 'offline', label: 'negative', fallbacks: [] });
  });

  it('is a plain class too: usable without the module', async () => {
    const provider = new OfflineProvider('standalone');
    const { language } = await provider.language(
      { model: 'lattice-offline', text: 'Où est la gare, s’il vous plaît ?' },
      new AbortController().signal,
    );
    expect(language).toBe('fr');
  });
});
