import { createHash } from 'node:crypto';
import { LatticeError, ServiceUnavailableError } from '@lattice/core';
import type { JobContext } from '@lattice/queue';
import { handStream, tokens } from '../../../../test/e2e/ai/fixtures/hand-stream';
import { AiProviderError } from '../ai.errors';
import type { AIResponse } from '../ai.interfaces';
import type { AiTaskPayload, AiTaskUpdate } from './ai-queue.interfaces';
import { AiQueue } from './ai-queue';
import { AiTaskDelivery } from './ai-task.delivery';
import { AiTaskJob, type AiTaskManager } from './ai-task.job';
import { MemoryAiTaskResults } from './ai-task-results';

const OPTIONS = { resultTtlMs: 60_000, progressEveryMs: 0 };

function contextOf(attempt = 1): JobContext & { progressed: unknown[] } {
  const progressed: unknown[] = [];
  return {
    id: 'ai-task-1',
    queue: 'ai',
    name: 'lattice.ai.task',
    attempt,
    signal: new AbortController().signal,
    progress: async (value) => void progressed.push(value),
    log: async () => undefined,
    childrenResults: async () => ({}),
    progressed,
  };
}

function response(extra: object = {}): AIResponse {
  return {
    provider: 'p',
    model: 'm',
    usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
    latencyMs: 1,
    cost: 0,
    cached: false,
    fallbacks: [],
    flags: [],
    ...extra,
  };
}

function setup(ai: AiTaskManager | undefined) {
  const results = new MemoryAiTaskResults();
  const updates: AiTaskUpdate[] = [];
  const delivery = {
    live: async (_topic: string, update: unknown) => void updates.push(update as AiTaskUpdate),
    channel: async () => undefined,
    check: () => undefined,
  } as unknown as AiTaskDelivery;
  const job = new AiTaskJob(results, delivery, OPTIONS, ai);
  return { job, results, updates };
}

const generate: AiTaskPayload = { operation: 'generate', request: { prompt: 'hi' }, topic: 't' };

describe('AiTaskJob', () => {
  it('streams a generate task, reporting the characters received, and stores the result before it returns', async () => {
    const ai: AiTaskManager = { stream: () => handStream(tokens(['ab', 'cd', 'e'])) };
    const { job, results, updates } = setup(ai);
    const context = contextOf();
    const result = await job.handle(generate, context);
    expect((result.response as AIResponse & { text: string }).text).toBe('abcde');
    expect(context.progressed).toEqual([{ chars: 2 }, { chars: 4 }, { chars: 5 }]);
    expect(await results.get('ai-task-1')).toEqual(result);
    expect(updates.map((u) => u.status)).toEqual([
      'running',
      'running',
      'running',
      'running',
      'done',
    ]);
  });

  it('a try that finds a stored result delivers it and calls nothing', async () => {
    const calls: string[] = [];
    const ai: AiTaskManager = { stream: () => (calls.push('stream'), handStream(tokens(['x']))) };
    const { job, results, updates } = setup(ai);
    const stored = {
      id: 'ai-task-1',
      operation: 'generate' as const,
      response: response(),
      completedAt: 1,
    };
    await results.set(stored, 60_000);
    expect(await job.handle(generate, contextOf(2))).toEqual(stored);
    expect(calls).toEqual([]);
    expect(updates).toEqual([{ id: 'ai-task-1', status: 'done', result: stored }]);
  });

  it.each([
    [
      'every provider failed (503)',
      new ServiceUnavailableError('The AI providers', 'openai: 500'),
      true,
    ],
    ['a provider timeout', new AiProviderError('openai', 'timeout', 'no answer'), true],
    ['an unexpected error', new Error('socket hang up'), true],
    ['a bad request (400)', new AiProviderError('openai', 'client', 'bad model'), false],
    ['a refusal (budget)', new LatticeError('LATTICE_AI_BUDGET', 'spent'), false],
  ])('%s: tried again = %s', async (_what, error, again) => {
    const ai: AiTaskManager = { embed: async () => Promise.reject(error) };
    const { job, updates } = setup(ai);
    const thrown = await job
      .handle({ operation: 'embed', request: { input: 'x' }, topic: 't' }, contextOf())
      .then(
        () => new Error('resolved'),
        (e: unknown) => e as Error,
      );
    expect(thrown.name === 'UnrecoverableError').toBe(!again);
    expect(updates.some((u) => u.status === 'retrying')).toBe(again);
  });

  it('fails at once, naming the module to import, without an AI manager', async () => {
    const { job } = setup(undefined);
    await expect(job.handle(generate, contextOf())).rejects.toMatchObject({
      name: 'UnrecoverableError',
      message: expect.stringContaining('AiModule'),
    });
  });
});

describe('AiQueue.enqueue', () => {
  const queue = new AiQueue(
    {} as never,
    new MemoryAiTaskResults(),
    new AiTaskDelivery({} as never, {} as never),
  );

  it('refuses an operation that cannot travel on a queue, and a bad key', async () => {
    await expect(
      queue.enqueue({ prompt: 'x' } as never, { operation: 'generateObject' as never }),
    ).rejects.toMatchObject({ code: 'LATTICE_AI_QUEUE_OPERATION' });
    await expect(queue.enqueue({ prompt: 'x' }, { key: '' })).rejects.toMatchObject({
      code: 'LATTICE_AI_QUEUE_KEY',
    });
  });

  it('answers a key whose result is stored without queueing anything', async () => {
    const results = new MemoryAiTaskResults();
    const dispatches: unknown[] = [];
    const queues = { dispatch: (...args: unknown[]) => dispatches.push(args) };
    const aiQueue = new AiQueue(
      queues as never,
      results,
      new AiTaskDelivery({} as never, {} as never),
    );
    const id = 'ai-' + createHash('sha256').update('k').digest('base64url').slice(0, 32);
    await results.set({ id, operation: 'generate', response: response(), completedAt: 1 }, 60_000);
    expect(await aiQueue.enqueue({ prompt: 'x' }, { key: 'k' })).toEqual({ id, duplicate: true });
    expect(dispatches).toEqual([]);
  });
});
