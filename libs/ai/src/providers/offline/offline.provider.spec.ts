import { LatticeError } from '@lattice/core';
import { OfflineProvider } from './offline.provider';

const signal = new AbortController().signal;
const model = 'lattice-offline';

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, x, i) => sum + x * b[i], 0);
}

describe('OfflineProvider', () => {
  const provider = new OfflineProvider('offline');

  it('lists every capability but chat', () => {
    expect([...provider.capabilities].sort()).toEqual(
      ['classify', 'embed', 'keywords', 'language', 'moderate', 'sentiment', 'summarize'].sort(),
    );
    expect(provider.capabilities).not.toContain('chat');
    expect((provider as { generate?: unknown }).generate).toBeUndefined();
    expect((provider as { stream?: unknown }).stream).toBeUndefined();
  });

  describe('embed', () => {
    it('returns one L2-normalized, deterministic vector per input, closer for shared words', async () => {
      const { embeddings, usage } = await provider.embed(
        {
          model,
          input: [
            'How do I cache database queries with Redis?',
            'Caching query results in Redis',
            'Deploying the app to Kubernetes',
            'How do I cache database queries with Redis?',
          ],
        },
        signal,
      );
      expect(embeddings).toHaveLength(4);
      expect(embeddings[0]).toHaveLength(provider.dimensions);
      expect(Math.hypot(...embeddings[0])).toBeCloseTo(1, 5);
      expect(embeddings[3]).toEqual(embeddings[0]);
      expect(cosine(embeddings[0], embeddings[1])).toBeGreaterThan(
        cosine(embeddings[0], embeddings[2]) + 0.2,
      );
      expect(usage.totalTokens).toBe(0);
    });

    it('gives a text of stop words only a vector, and empty text a zero one', async () => {
      const { embeddings } = await provider.embed({ model, input: ['How do I?', ''] }, signal);
      expect(Math.hypot(...embeddings[0])).toBeCloseTo(1, 5);
      expect(embeddings[1].every((x) => x === 0)).toBe(true);
    });

    it('stops when the call is aborted', async () => {
      const controller = new AbortController();
      controller.abort(new Error('deadline'));
      await expect(provider.embed({ model, input: ['a text'] }, controller.signal)).rejects.toThrow(
        'deadline',
      );
    });
  });

  describe('moderate', () => {
    it('flags insults aimed at someone, threats, strong profanity and link spam', async () => {
      const insult = await provider.moderate({ model, text: 'You are a complete idiot.' }, signal);
      expect(insult.flagged).toBe(true);
      expect(insult.categories.insult).toBeGreaterThanOrEqual(0.5);
      const threat = await provider.moderate(
        { model, text: 'I know where you live, watch your back.' },
        signal,
      );
      expect(threat.categories.threat).toBeGreaterThanOrEqual(0.8);
      const spam = await provider.moderate(
        {
          model,
          text: 'Cheap watches, buy now: http://a.example http://b.example http://c.example',
        },
        signal,
      );
      expect(spam.flagged).toBe(true);
      expect(spam.categories.spam).toBeGreaterThanOrEqual(0.5);
      const disguised = await provider.moderate({ model, text: 'you st00opid 1d10t' }, signal);
      expect(disguised.flagged).toBe(true);
    });

    it('leaves ordinary posts alone, and does not flag shouting by itself', async () => {
      const fine = await provider.moderate(
        {
          model,
          text: 'Thanks, setting the TTL fixed it. See https://docs.example/cache for details.',
        },
        signal,
      );
      expect(fine.flagged).toBe(false);
      const loud = await provider.moderate(
        { model, text: 'THIS FINALLY WORKS AFTER TWO DAYS OF TRYING!!!' },
        signal,
      );
      expect(loud.categories.shouting).toBeGreaterThan(0.8);
      expect(loud.flagged).toBe(false);
    });

    it('takes an app’s extra words', async () => {
      const custom = new OfflineProvider('custom', { moderation: { spam: ['acme pills'] } });
      const text = 'Try acme pills, they are great. Acme pills for everyone!';
      expect(
        (await custom.moderate({ model, text }, signal)).categories.spam,
      ).toBeGreaterThanOrEqual(0.5);
      expect((await provider.moderate({ model, text }, signal)).categories.spam).toBe(0);
    });
  });

  describe('keywords', () => {
    it('ranks the nouns and names a text is about, in the singular, without stop words', async () => {
      const { keywords } = await provider.keywords(
        {
          model,
          text: 'How do I run database migrations in NestJS with TypeORM? The migrations fail.',
          limit: 4,
        },
        signal,
      );
      expect(keywords).toHaveLength(4);
      expect(keywords).toEqual(
        expect.arrayContaining(['migration', 'nestjs', 'typeorm', 'database']),
      );
    });

    it('gives no more than asked, and nothing for a text of stop words', async () => {
      const text = 'Redis, MariaDB, BullMQ, Chromium and Docker in one stack';
      expect((await provider.keywords({ model, text, limit: 2 }, signal)).keywords).toHaveLength(2);
      expect((await provider.keywords({ model, text, limit: 0 }, signal)).keywords).toEqual([]);
      expect(
        (await provider.keywords({ model, text: 'How do I do it?', limit: 5 }, signal)).keywords,
      ).toEqual([]);
    });

    it('keeps a two-word phrase that recurs as one keyword', async () => {
      const { keywords } = await provider.keywords(
        {
          model,
          text: 'The connection pool is exhausted. I raised the connection pool size but the pool still runs out of connections under load.',
          limit: 3,
        },
        signal,
      );
      expect(keywords[0]).toBe('connection pool');
    });
  });

  describe('summarize', () => {
    const answer =
      'Redis is an in-memory data store. You can use Redis as a cache for database queries, which makes repeated reads much faster. ' +
      'I had the same problem last year. Every cached query needs an expiry, otherwise stale database results stay in Redis forever. ' +
      'Hope this helps!';

    it('keeps the most central sentences, in their original order', async () => {
      const { summary } = await provider.summarize({ model, text: answer, sentences: 2 }, signal);
      const picked = summary.split(/(?<=[.!?])\s+/);
      expect(picked).toHaveLength(2);
      expect(picked).not.toContain('Hope this helps!');
      expect(picked).not.toContain('I had the same problem last year.');
      expect(answer.indexOf(picked[0])).toBeLessThan(answer.indexOf(picked[1]));
    });

    it('returns a short text whole, and refuses zero sentences', async () => {
      expect(
        (await provider.summarize({ model, text: 'One sentence only.', sentences: 2 }, signal))
          .summary,
      ).toBe('One sentence only.');
      await expect(
        provider.summarize({ model, text: answer, sentences: 0 }, signal),
      ).rejects.toThrow(LatticeError);
    });
  });

  describe('sentiment', () => {
    it('scores in [-1, 1] with a neutral band', async () => {
      const good = await provider.sentiment(
        { model, text: 'This is great, thank you so much!' },
        signal,
      );
      expect(good.label).toBe('positive');
      expect(good.score).toBeGreaterThan(0);
      const bad = await provider.sentiment({ model, text: 'This is awful and I hate it.' }, signal);
      expect(bad.label).toBe('negative');
      expect(bad.score).toBeLessThan(0);
      expect(bad.score).toBeGreaterThanOrEqual(-1);
      const flat = await provider.sentiment(
        { model, text: 'The option is called maxRetries.' },
        signal,
      );
      expect(flat).toEqual({ score: 0, label: 'neutral' });
    });
  });

  describe('language', () => {
    it('tells the seven languages apart, and says und for too little text', async () => {
      const detect = async (text: string) =>
        (await provider.language({ model, text }, signal)).language;
      expect(await detect('How can I make the database faster?')).toBe('en');
      expect(await detect('Comment rendre la base de données plus rapide ?')).toBe('fr');
      expect(await detect('Wie kann ich die Datenbank schneller machen?')).toBe('de');
      expect(await detect('¿Cómo puedo hacer que la base de datos sea más rápida?')).toBe('es');
      expect(await detect('Come posso rendere il database più veloce?')).toBe('it');
      expect(await detect('Como posso deixar o banco de dados mais rápido?')).toBe('pt');
      expect(await detect('Hoe kan ik de database sneller maken?')).toBe('nl');
      expect(await detect('Привет, как у тебя сегодня дела?')).toBe('ru');
      expect(await detect('データベースを速くするにはどうすればいいですか')).toBe('ja');
      expect(await provider.language({ model, text: 'ok thx' }, signal)).toEqual({
        language: 'und',
        confidence: 0,
      });
    });
  });

  describe('classify', () => {
    it('picks the label that shares the most with the text, using descriptions and examples', async () => {
      const labels = [
        'bug: crash, error, broken, fails',
        'question: how do I',
        'feature: please add, support for',
      ];
      const bug = await provider.classify(
        { model, text: 'The app crashes with an error when I save', labels },
        signal,
      );
      expect(bug.label).toBe(labels[0]);
      expect(Object.keys(bug.scores)).toEqual(labels);
      const tuned = new OfflineProvider('tuned', {
        labelExamples: { billing: ['invoice', 'refund', 'payment'] },
      });
      const billing = await tuned.classify(
        { model, text: 'I want a refund for my last invoice', labels: ['billing', 'shipping'] },
        signal,
      );
      expect(billing.label).toBe('billing');
      expect(billing.scores.billing).toBeGreaterThan(billing.scores.shipping);
    });

    it('refuses an empty label list', async () => {
      await expect(
        provider.classify({ model, text: 'anything', labels: [] }, signal),
      ).rejects.toThrow(/classify a text into no labels/);
    });
  });
});
