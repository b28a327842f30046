import { Injectable, Logger, Scope } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LatticeError } from '@lattice/core';
import type { AiCall, AiPluginHooks, AiStreamChunk, AIResponse } from '../ai.interfaces';
import { AiCallRefusedError } from './ai-call-refused.error';
import { AiPlugin } from './ai-plugin.decorator';
import { AiPluginRunner } from './ai-plugin-runner';
import { PromptInjectionPlugin } from './injection/prompt-injection.plugin';

const journal: string[] = [];

function makeCall(prompt = 'hello'): AiCall {
  return {
    id: 'call-1',
    operation: 'generate',
    request: { prompt },
    chain: ['fake'],
    user: 'u1',
    startedAt: Date.now(),
    flags: [],
    signal: new AbortController().signal,
  };
}

function makeResponse(): AIResponse & { text: string } {
  return {
    provider: 'fake',
    model: 'm',
    usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    latencyMs: 1,
    cost: 0,
    cached: false,
    fallbacks: [],
    flags: [],
    text: 'answer',
  };
}

@AiPlugin({ order: 20 })
class Second implements AiPluginHooks {
  beforeRequest(): void {
    journal.push('second.before');
  }
  onChunk(_call: AiCall, chunk: AiStreamChunk): AiStreamChunk {
    return { ...chunk, text: `${chunk.text}!` };
  }
  afterResponse(): void {
    journal.push('second.after');
  }
  onError(): void {
    journal.push('second.error');
  }
}

@AiPlugin({ order: 10, name: 'first' })
class First implements AiPluginHooks {
  beforeRequest(): void {
    journal.push('first.before');
  }
  onChunk(_call: AiCall, chunk: AiStreamChunk): AiStreamChunk {
    return { ...chunk, text: chunk.text.toUpperCase() };
  }
  afterResponse(): void {
    journal.push('first.after');
  }
  onError(): void {
    journal.push('first.error');
    throw new Error('the error hook broke');
  }
}

@AiPlugin({ order: 20 })
class SameOrder implements AiPluginHooks {
  beforeRequest(): void {}
}

@AiPlugin({ order: 5 })
@Injectable({ scope: Scope.REQUEST })
class PerRequest implements AiPluginHooks {
  beforeRequest(): void {
    journal.push('per-request');
  }
}

@AiPlugin({ order: 15 })
class Blocker implements AiPluginHooks {
  beforeRequest(call: AiCall): void {
    if ((call.request as { prompt?: string }).prompt === 'forbidden')
      call.flags.push({ plugin: 'Blocker', reason: 'the word is forbidden', severity: 'block' });
  }
  afterResponse(call: AiCall, response: AIResponse): void {
    call.flags.push({ plugin: 'Blocker', reason: 'seen after', severity: 'info' });
    response.flags.push({ plugin: 'Blocker', reason: 'bad output', severity: 'block' });
  }
}

async function boot(providers: unknown[]) {
  const moduleRef = await Test.createTestingModule({
    providers: [AiPluginRunner, ...(providers as [])],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('AiPluginRunner', () => {
  beforeEach(() => (journal.length = 0));

  it('finds the plugins at boot and runs every hook in ascending order', async () => {
    const moduleRef = await boot([Second, First]);
    const runner = moduleRef.get(AiPluginRunner);
    expect(runner.list().map((p) => [p.name, p.order])).toEqual([
      ['first', 10],
      ['Second', 20],
    ]);
    const call = makeCall();
    await runner.before(call);
    await runner.after(call, makeResponse());
    expect(runner.chunk(call, { text: 'ab', index: 0, at: 0 }).text).toBe('AB!');
    expect(journal).toEqual(['first.before', 'second.before', 'first.after', 'second.after']);
    await moduleRef.close();
  });

  it('refuses to boot when two plugins share an order, naming both', async () => {
    await expect(boot([Second, SameOrder])).rejects.toThrow(
      expect.objectContaining({
        code: 'LATTICE_AI_PLUGIN_ORDER_TIE',
        message: expect.stringMatching(/Second and SameOrder both have order 20/),
      }) as LatticeError,
    );
  });

  it('skips a request-scoped plugin with a warning', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const moduleRef = await boot([PerRequest, First]);
    expect(
      moduleRef
        .get(AiPluginRunner)
        .list()
        .map((p) => p.name),
    ).toEqual(['first']);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/PerRequest is request-scoped/));
    warn.mockRestore();
    await moduleRef.close();
  });

  it('finds plugins provided with options (useValue)', async () => {
    const moduleRef = await boot([PromptInjectionPlugin.configure({ severity: 'block' }), First]);
    expect(
      moduleRef
        .get(AiPluginRunner)
        .list()
        .map((p) => p.name),
    ).toEqual(['first', 'PromptInjectionPlugin']);
    await moduleRef.close();
  });

  it('refuses a call blocked before it is sent, with a 422 naming the plugin and the reason', async () => {
    const moduleRef = await boot([First, Blocker, Second]);
    const runner = moduleRef.get(AiPluginRunner);
    const error = await runner.before(makeCall('forbidden')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AiCallRefusedError);
    expect((error as AiCallRefusedError).getStatus()).toBe(422);
    expect((error as AiCallRefusedError).getResponse()).toMatchObject({
      code: 'LATTICE_AI_CALL_REFUSED',
      plugin: 'Blocker',
      reason: 'the word is forbidden',
    });
    expect((error as Error).message).toBe(
      'The AI call was refused by Blocker: the word is forbidden.',
    );
    // The plugins after the one that blocked never saw the call.
    expect(journal).toEqual(['first.before']);
    await moduleRef.close();
  });

  it('marks the response when a block is raised after it, and every flag reaches it once', async () => {
    const moduleRef = await boot([Blocker]);
    const runner = moduleRef.get(AiPluginRunner);
    const call = makeCall();
    call.flags.push({ plugin: 'Earlier', reason: 'noted before', severity: 'warn' });
    const response = makeResponse();
    await runner.after(call, response);
    expect(response.flags.map((f) => f.reason)).toEqual([
      'noted before',
      'bad output',
      'seen after',
    ]);
    await moduleRef.close();
  });

  it('runs every error hook even when one throws', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const moduleRef = await boot([First, Second]);
    await moduleRef.get(AiPluginRunner).error(makeCall(), new Error('provider down'));
    expect(journal).toEqual(['first.error', 'second.error']);
    expect(error).toHaveBeenCalledWith(
      expect.stringMatching(/first failed in onError: the error hook broke/),
    );
    error.mockRestore();
    await moduleRef.close();
  });

  it('checks plugins given by hand as at boot', () => {
    const runner = new AiPluginRunner(undefined as never);
    expect(() => runner.use([{ hooks: new First() }, { hooks: new Second(), order: 10 }])).toThrow(
      /first and Second both have order 10|Second and first both have order 10/,
    );
    runner.use([{ hooks: new Second() }, { hooks: new First() }]);
    expect(runner.list().map((p) => p.name)).toEqual(['first', 'Second']);
  });
});
