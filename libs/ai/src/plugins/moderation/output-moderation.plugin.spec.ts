import { Logger } from '@nestjs/common';
import type {
  AiCall,
  AiModerateResponse,
  AIResponse,
  AiTextInputRequest,
} from '../../ai.interfaces';
import { OutputModerationPlugin, type AiModerator } from './output-moderation.plugin';

function makeCall(operation: AiCall['operation'] = 'generate'): AiCall {
  return {
    id: 'c1',
    operation,
    request: { prompt: 'write a post' },
    chain: ['offline'],
    user: '7',
    startedAt: 0,
    flags: [],
    signal: new AbortController().signal,
  };
}

function makeResponse(text: string): AIResponse & { text: string } {
  return {
    provider: 'offline',
    model: 'm',
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    latencyMs: 0,
    cost: 0,
    cached: false,
    fallbacks: [],
    flags: [],
    text,
  };
}

/** Flags any text with "idiot" in it, as a provider's moderation would. */
class Moderator implements AiModerator {
  readonly requests: AiTextInputRequest[] = [];
  failWith?: Error;
  moderate(request: AiTextInputRequest): Promise<AiModerateResponse> {
    this.requests.push(request);
    if (this.failWith) return Promise.reject(this.failWith);
    const flagged = request.text.includes('idiot');
    return Promise.resolve({
      ...makeResponse(''),
      flagged,
      categories: { harassment: flagged ? 0.91 : 0.01, hate: 0.2, violence: 0.05, spam: 0 },
    });
  }
}

describe('OutputModerationPlugin', () => {
  it('flags flagged output with its top categories, block by default', async () => {
    const moderator = new Moderator();
    const response = makeResponse('You are an idiot.');
    await new OutputModerationPlugin(moderator).afterResponse(makeCall(), response);
    expect(response.flags).toEqual([
      {
        plugin: 'OutputModerationPlugin',
        reason: 'flagged by moderation (harassment 0.91, hate 0.20, violence 0.05)',
        severity: 'block',
      },
    ]);
    expect(moderator.requests[0]).toMatchObject({
      text: 'You are an idiot.',
      user: '7',
      metadata: { source: 'OutputModerationPlugin', call: 'c1' },
    });
  });

  it('passes clean output, warns when asked, and checks only text outputs', async () => {
    const moderator = new Moderator();
    const clean = makeResponse('Have a nice day.');
    await new OutputModerationPlugin(moderator).afterResponse(makeCall(), clean);
    expect(clean.flags).toEqual([]);

    const warned = makeResponse('idiot');
    await new OutputModerationPlugin(moderator, {
      severity: 'warn',
      provider: 'openai',
    }).afterResponse(makeCall('stream'), warned);
    expect(warned.flags[0].severity).toBe('warn');
    expect(moderator.requests[1].provider).toBe('openai');

    await new OutputModerationPlugin(moderator).afterResponse(
      makeCall('summarize'),
      makeResponse('idiot'),
    );
    expect(moderator.requests).toHaveLength(2);
  });

  it('checks any text with the same settings (what people write, as the Forum’s posts)', async () => {
    const moderator = new Moderator();
    const plugin = new OutputModerationPlugin(moderator, { severity: 'warn' });
    expect(await plugin.check('Thanks for the answer', { user: '9' })).toBeUndefined();
    expect(await plugin.check('what an idiot', { metadata: { feature: 'posts' } })).toEqual({
      plugin: 'OutputModerationPlugin',
      reason: 'flagged by moderation (harassment 0.91, hate 0.20, violence 0.05)',
      severity: 'warn',
    });
    expect(moderator.requests.map((r) => [r.user, r.metadata])).toEqual([
      ['9', { source: 'OutputModerationPlugin' }],
      [undefined, { feature: 'posts', source: 'OutputModerationPlugin' }],
    ]);
  });

  it('lets output through with an info flag when moderation fails, logging once; blocks with failClosed', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moderator = new Moderator();
    moderator.failWith = new Error('no provider can moderate');
    const plugin = new OutputModerationPlugin(moderator);
    const first = makeResponse('text');
    await plugin.afterResponse(makeCall(), first);
    await plugin.afterResponse(makeCall(), makeResponse('text'));
    expect(first.flags).toEqual([
      {
        plugin: 'OutputModerationPlugin',
        reason: 'not moderated (no provider can moderate)',
        severity: 'info',
      },
    ]);
    expect(warn).toHaveBeenCalledTimes(1);
    const closed = makeResponse('text');
    await new OutputModerationPlugin(moderator, { failClosed: true }).afterResponse(
      makeCall(),
      closed,
    );
    expect(closed.flags[0].severity).toBe('block');
    warn.mockRestore();
  });
});
