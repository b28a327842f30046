import { z } from 'zod';
import type { AiCall, AiOperation, AIRequest } from '../ai.interfaces';
import { embeddingKey, messagesOf, normalizeText, responseKey } from './ai-cache.keys';

function call(request: AIRequest, operation: AiOperation = 'generate', chain = ['openai']): AiCall {
  return {
    id: 'c1',
    operation,
    request,
    chain,
    user: request.user,
    startedAt: 0,
    flags: [],
    signal: new AbortController().signal,
  };
}

const key = (request: AIRequest, operation?: AiOperation, chain?: string[]) =>
  responseKey(call(request, operation, chain));

describe('normalizeText', () => {
  it('collapses spaces and tabs, trims lines and ends, keeps single and double line breaks', () => {
    expect(normalizeText('  Hello \t  world  ')).toBe('Hello world');
    expect(normalizeText('a  \r\n  b\n\n\n\nc')).toBe('a\nb\n\nc');
    expect(normalizeText('line one\nline two')).not.toBe(normalizeText('line one line two'));
    expect(normalizeText('a\u00a0b\tc')).toBe('a b c');
  });

  it('is idempotent, so its quick path for tidy text agrees with the full one', () => {
    const pieces = ['a', 'b', ' ', '  ', '\t', '\n', '\n\n', '\n\n\n', '\r\n', '\u00a0'];
    let seed = 7;
    for (let i = 0; i < 2_000; i++) {
      let text = '';
      for (let j = 0; j < 8; j++)
        text += pieces[(seed = (seed * 48_271) % 2_147_483_647) % pieces.length];
      const once = normalizeText(text);
      expect(normalizeText(once)).toBe(once);
    }
  });
});

describe('responseKey', () => {
  const base = { model: 'gpt-4o-mini', prompt: 'What is Lattice?', temperature: 0 };

  it('is the same for requests that differ only in whitespace, user, metadata, deadline or signal', () => {
    const same = [
      key(base),
      key({ ...base, prompt: '  What   is\tLattice? ' }),
      key({
        ...base,
        user: 'u1',
        metadata: { feature: 'x' },
        timeoutMs: 5,
        signal: new AbortController().signal,
      }),
      key({ ...base, cache: { ttl: 5 }, retries: 3 } as AIRequest),
      key({
        model: 'gpt-4o-mini',
        temperature: 0,
        messages: [{ role: 'user', content: 'What is Lattice?' }],
      }),
    ];
    expect(new Set(same).size).toBe(1);
    expect(same[0]).toMatch(/^ai:v1:generate:[\w-]{43}$/);
  });

  it('differs by model, operation, messages, each answer-changing parameter and the provider chain', () => {
    const keys = [
      key(base),
      key({ ...base, model: 'gpt-4o' }),
      key(base, 'stream'),
      key({ ...base, prompt: 'What is Lattice!' }),
      key({ ...base, system: 'Be brief.' }),
      key({ ...base, temperature: 0.7 }),
      key({ ...base, maxTokens: 10 }),
      key({ ...base, topP: 0.5 }),
      key({ ...base, stop: ['\n'] }),
      key(base, 'generate', ['ollama']),
      key(base, 'generate', ['openai', 'ollama']),
      key({ prompt: 'What is Lattice?', temperature: 0 }), // default model of the chain
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('keys generateObject by the schema shape and name, whatever the schema object', () => {
    const a = key(
      { ...base, schema: z.object({ title: z.string() }) } as AIRequest,
      'generateObject',
    );
    const b = key(
      { ...base, schema: z.object({ title: z.string() }) } as AIRequest,
      'generateObject',
    );
    const c = key(
      { ...base, schema: z.object({ title: z.number() }) } as AIRequest,
      'generateObject',
    );
    const d = key(
      { ...base, schema: z.object({ title: z.string() }), schemaName: 'Post' } as AIRequest,
      'generateObject',
    );
    expect(a).toBe(b);
    expect(new Set([a, c, d]).size).toBe(3);
  });

  it('keys the other operations by their inputs', () => {
    expect(key({ text: 'Great!', labels: ['a', 'b'] }, 'classify')).not.toBe(
      key({ text: 'Great!', labels: ['b', 'a'] }, 'classify'),
    );
    expect(key({ text: ' Great! ' }, 'sentiment')).toBe(key({ text: 'Great!' }, 'sentiment'));
    expect(key({ text: 'Great!' }, 'sentiment')).not.toBe(key({ text: 'Great!' }, 'language'));
  });
});

describe('embeddingKey and messagesOf', () => {
  it('keys an embedding by model and exact text', () => {
    expect(embeddingKey('m', 'a')).toBe(embeddingKey('m', 'a'));
    expect(embeddingKey('m', 'a')).not.toBe(embeddingKey('n', 'a'));
    expect(embeddingKey('m', 'a')).not.toBe(embeddingKey('m', 'a '));
  });

  it('folds system and prompt into the conversation', () => {
    expect(messagesOf({ system: 's', prompt: 'p' })).toEqual([
      { role: 'system', content: 's' },
      { role: 'user', content: 'p' },
    ]);
  });
});
