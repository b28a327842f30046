import { Logger, UnprocessableEntityException } from '@nestjs/common';
import type { AiCall, AIResponse } from '../../ai.interfaces';
import { AiLoggerPlugin } from './ai-logger.plugin';

function makeCall(): AiCall {
  return {
    id: 'c1',
    operation: 'generate',
    request: { prompt: 'my secret question', model: 'gpt-x' },
    chain: ['openai', 'offline'],
    user: '7',
    startedAt: Date.now(),
    flags: [],
    signal: new AbortController().signal,
  };
}

const response = (): AIResponse & { text: string } => ({
  provider: 'openai',
  model: 'gpt-x',
  usage: { promptTokens: 96, completionTokens: 41, totalTokens: 137 },
  latencyMs: 412.4,
  cost: 0.000039,
  cached: true,
  fallbacks: [{ provider: 'local', error: 'timeout' }],
  flags: [{ plugin: 'PromptInjectionPlugin', reason: 'x', severity: 'warn' }],
  text: 'the secret answer',
});

describe('AiLoggerPlugin', () => {
  let log: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('logs one line per call without the contents', () => {
    new AiLoggerPlugin().afterResponse(makeCall(), response());
    expect(log).toHaveBeenCalledTimes(1);
    const line = log.mock.calls[0][0] as string;
    expect(line).toBe(
      'generate openai/gpt-x ok 412 ms 96+41 tokens $0.000039 cached after local user=7 flags=PromptInjectionPlugin:warn call=c1',
    );
    expect(line).not.toMatch(/secret/);
  });

  it('logs errors and refusals as warnings, contents only when asked', () => {
    const plugin = new AiLoggerPlugin({ logContents: true, contentLength: 9 });
    const error = Object.assign(new Error('rate limited'), { provider: 'openai' });
    plugin.onError(makeCall(), error);
    expect(warn.mock.calls[0][0]).toMatch(
      /^generate openai\/gpt-x error \d+ ms user=7 call=c1 error="rate limited" in="my secret…"$/,
    );
    new AiLoggerPlugin().onError(makeCall(), new UnprocessableEntityException('no'));
    expect(warn.mock.calls[1][0]).toMatch(
      /^generate -\/gpt-x refused \d+ ms user=7 call=c1 error="no"$/,
    );
    plugin.afterResponse(makeCall(), response());
    expect(log.mock.calls[0][0]).toMatch(/ in="my secret…" out="the secre…"$/);
  });
});
