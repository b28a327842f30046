import type { AiCall, AIRequest, AIResponse } from '../../ai.interfaces';
import { PiiRedactionPlugin } from './pii-redaction.plugin';

function makeCall(request: AIRequest, operation: AiCall['operation'] = 'generate'): AiCall {
  return {
    id: 'c',
    operation,
    request,
    chain: ['fake'],
    user: undefined,
    startedAt: 0,
    flags: [],
    signal: new AbortController().signal,
  };
}

function makeResponse(extra: object): AIResponse {
  return {
    provider: 'fake',
    model: 'm',
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    latencyMs: 0,
    cost: 0,
    cached: false,
    fallbacks: [],
    flags: [],
    ...extra,
  };
}

describe('PiiRedactionPlugin', () => {
  it('masks every text of the request before it leaves, leaving the caller’s request as it was', () => {
    const request = {
      system: 'Support for ana@example.com',
      prompt: 'Call me on +44 20 7946 0958',
      messages: [
        { role: 'user' as const, content: 'My card is 4111 1111 1111 1111, mail ana@example.com' },
        { role: 'assistant' as const, content: 'Noted, version 1.2.3 on 2024-01-15.' },
      ],
      temperature: 0.2,
    };
    const call = makeCall(request);
    new PiiRedactionPlugin().beforeRequest(call);
    expect(call.request).toEqual({
      system: 'Support for [email 1]',
      prompt: 'Call me on [phone 1]',
      messages: [
        { role: 'user', content: 'My card is [card 1], mail [email 1]' },
        { role: 'assistant', content: 'Noted, version 1.2.3 on 2024-01-15.' },
      ],
      temperature: 0.2,
    });
    expect(request.prompt).toBe('Call me on +44 20 7946 0958');
    expect(call.flags).toEqual([
      {
        plugin: 'PiiRedactionPlugin',
        reason: 'masked 1 e-mail address, 1 phone number, 1 card number before sending',
        severity: 'info',
      },
    ]);
  });

  it('masks embedding inputs and the text of text operations', () => {
    const embed = makeCall({ input: ['a@b.io', 'plain'] }, 'embed');
    new PiiRedactionPlugin().beforeRequest(embed);
    expect(embed.request).toEqual({ input: ['[email 1]', 'plain'] });
    const classify = makeCall(
      { text: 'IBAN DE89 3704 0044 0532 0130 00', labels: ['x'] },
      'classify',
    );
    new PiiRedactionPlugin().beforeRequest(classify);
    expect(classify.request).toEqual({ text: 'IBAN [iban 1]', labels: ['x'] });
  });

  it('restores the values in the answer, in objects and across stream chunks', () => {
    const plugin = new PiiRedactionPlugin();
    const call = makeCall({ prompt: 'Draft a reply to ana@example.com' });
    plugin.beforeRequest(call);
    const chunks = ['Dear [em', 'ail 1], tha', 'nks. [', 'x] [email 1]'].map(
      (text, index) => plugin.onChunk(call, { text, index, at: 0 })?.text,
    );
    expect(chunks).toEqual(['Dear ', 'ana@example.com, tha', 'nks. ', '[x] ana@example.com']);
    const response = makeResponse({ text: 'Dear [email 1]', object: { to: ['[email 1]'], n: 1 } });
    plugin.afterResponse(call, response);
    expect(response).toMatchObject({
      text: 'Dear ana@example.com',
      object: { to: ['ana@example.com'], n: 1 },
    });
  });

  it('gives a stream’s text back the end it held, when the stream ends on what looked like a placeholder', () => {
    const plugin = new PiiRedactionPlugin();
    const call = makeCall({ prompt: 'to ana@example.com' }, 'stream');
    plugin.beforeRequest(call);
    const shown = ['Write to [email 1] [', 'em'].map(
      (text, index) => plugin.onChunk(call, { text, index, at: 0 })?.text,
    );
    expect(shown).toEqual(['Write to ana@example.com ', '']);
    const response = makeResponse({ text: shown.join('') });
    plugin.afterResponse(call, response);
    expect(response).toMatchObject({ text: 'Write to ana@example.com [em' });
  });

  it('leaves placeholders in the answer with restore: false, and only masks the kinds asked for', () => {
    const plugin = new PiiRedactionPlugin({ restore: false, kinds: ['email'] });
    const call = makeCall({ prompt: 'ana@example.com, +44 20 7946 0958' });
    plugin.beforeRequest(call);
    expect(call.request).toEqual({ prompt: '[email 1], +44 20 7946 0958' });
    expect(plugin.onChunk(call, { text: '[email 1]', index: 0, at: 0 })).toBeUndefined();
    const response = makeResponse({ text: 'to [email 1]' });
    plugin.afterResponse(call, response);
    expect(response).toMatchObject({ text: 'to [email 1]' });
  });

  it('raises no flag and keeps no state when there is nothing to mask', () => {
    const plugin = new PiiRedactionPlugin();
    const call = makeCall({ prompt: 'Node 24.11.1 released 2025-10-28' });
    plugin.beforeRequest(call);
    expect(call.flags).toEqual([]);
    expect(call.request).toEqual({ prompt: 'Node 24.11.1 released 2025-10-28' });
  });
});
