// AI tasks on the queue, on both drivers: progress, the result delivered to a live component
// and to a broadcast channel, a provider failure tried again, and a success never run twice.
import type { AiTextResponse } from '@lattice/ai';
import { AiQueue, AiTaskDelivery, type AiTaskUpdate } from '@lattice/ai/queue';
import { type ChannelMessage, PersistentWebSocketManager } from '@lattice/events';
import { SessionTokens } from '@lattice/live';
import { QueueManager } from '@lattice/queue';
import type { INestApplication } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { Page } from '../../support/live-page';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import { type FakeOpenAi, startFakeOpenAi } from '../../support/fake-openai';
import { bootTaskApp } from './fixtures/ai-task-app';

let keys = 0;
const key = (label: string) => `${label}:${++keys}:${Date.now()}`;

function aiQueueSuite(driver: 'memory' | 'bullmq', env: () => Record<string, string>) {
  let app: INestApplication;
  let base: string;
  let fake: FakeOpenAi;
  let aiQueue: AiQueue;
  let queues: QueueManager;
  const heard: ChannelMessage[] = [];
  let stopListening: (() => void) | undefined;

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    ({ app, base } = await bootTaskApp(env(), fake.url));
    aiQueue = app.get(AiQueue);
    queues = app.get(QueueManager);
    stopListening = await app
      .get(PersistentWebSocketManager)
      .listen((_channel, message) => void heard.push(message));
  });
  afterAll(async () => {
    stopListening?.();
    await app?.close();
    await fake?.close();
  });
  afterEach(() => fake.reset());
  /** Requests the provider received. */
  const calls = () =>
    fake.requestsTo('/chat/completions').length + fake.requestsTo('/embeddings').length;
  const ANSWER = 'The answer is 42, as everyone knows by now.';

  /** A live page showing the task card of `id`. */
  async function cardFor(id: string): Promise<Page> {
    const { token, claims } = app.get(SessionTokens).issue('ai-task-card', { id });
    const page = new Page(base, `lv:${claims.sid}`, token);
    await page.join();
    return page;
  }

  it(`runs on the ${driver} driver`, () => {
    expect(queues.driverKind).toBe(driver);
  });

  it('reports progress and delivers the result to a live component and a broadcast channel', async () => {
    fake.script('/chat/completions', { content: ANSWER, delayMs: 5 });
    const before = calls();
    const progress: unknown[] = [];
    const off = queues.on('progress', (event) => void progress.push(event.progress));
    const k = key('answer');
    // The page follows the task's topic before the task runs (its id comes from the key).
    const { id, topic, duplicate } = await aiQueue.enqueue(
      { prompt: 'What is the answer?' },
      { key: k, live: true, channel: `ai.${k.replace(/\W/g, '-')}`, delay: 300 },
    );
    expect(duplicate).toBe(false);
    expect(topic).toBe(`ai.task:${id}`);
    const page = await cardFor(id);
    await page.until((html) => html.includes('<b>done</b>'));
    expect(page.html).toContain(`<p>${ANSWER}</p>`);
    // Progress: the characters received so far, as the stream went on.
    const chars = progress.map((p) => (p as { chars: number }).chars);
    expect(chars.length).toBeGreaterThan(1);
    expect(chars).toEqual([...chars].sort((a, b) => a - b));
    expect(chars.at(-1)).toBeGreaterThan(0);
    off();
    const result = await aiQueue.result<AiTextResponse>(id);
    expect(result?.response.text).toBe(ANSWER);
    await waitFor(() => heard.some((m) => (m.data as AiTaskUpdate).id === id), {
      what: 'the channel broadcast of the result',
    });
    const message = heard.find((m) => (m.data as AiTaskUpdate).id === id)!;
    expect(message.event).toBe('ai.task.completed');
    expect(calls()).toBe(before + 1);
    page.client.close();
  });

  it('tries a task again after a provider failure, and it then succeeds', async () => {
    fake.script('/chat/completions', { status: 500, message: 'overloaded' }, { content: ANSWER });
    const before = calls();
    const { id } = await aiQueue.enqueue({ prompt: 'again' }, { key: key('retry'), live: true });
    await waitFor(async () => (await aiQueue.result(id)) !== undefined, {
      what: 'the task to succeed on its second try',
    });
    expect(calls()).toBe(before + 2);
    expect((await aiQueue.result<AiTextResponse>(id))?.response.text).toBe(ANSWER);
    await waitFor(async () => (await aiQueue.job(id))?.state === 'completed', {
      what: 'the job to complete',
    });
    expect((await aiQueue.job(id))?.attemptsMade).toBeGreaterThanOrEqual(1);
  });

  it('fails a refused task at once, without trying again, and tells the page', async () => {
    // A 400: another try (or provider) would get the same request.
    fake.script('/chat/completions', { status: 400, message: 'bad model' });
    const before = calls();
    const k = key('refused');
    const { id } = await aiQueue.enqueue(
      { prompt: 'too much' },
      { key: k, live: true, delay: 300 },
    );
    const page = await cardFor(id);
    await page.until((html) => html.includes('<b>failed</b>'));
    await waitFor(async () => (await aiQueue.job(id))?.state === 'failed', {
      what: 'the job to fail',
    });
    expect(calls()).toBe(before + 1);
    expect(await aiQueue.result(id)).toBeUndefined();
    page.client.close();
  });

  it('never runs a success twice: the same key again, and a try after the result was stored', async () => {
    fake.always('/chat/completions', { content: ANSWER });
    const before = calls();
    const k = key('once');
    const first = await aiQueue.enqueue({ input: 'Paris' }, { key: k, operation: 'embed' });
    const again = await aiQueue.enqueue({ input: 'Paris' }, { key: k, operation: 'embed' });
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    await waitFor(async () => (await aiQueue.job(first.id))?.state === 'completed', {
      what: 'the embedding task to complete',
    });
    expect(calls()).toBe(before + 1);
    expect(await aiQueue.enqueue({ input: 'x' }, { key: k, operation: 'embed' })).toMatchObject({
      id: first.id,
      duplicate: true,
    });

    // A crash between storing the result and completing the job: here the delivery fails once
    // after the result is stored, so the job is tried again, and the try finds the result.
    const delivery = app.get(AiTaskDelivery);
    const live = delivery.live.bind(delivery);
    let failedOnce = false;
    const spy = jest.spyOn(delivery, 'live').mockImplementation(async (topic, update) => {
      if ((update as AiTaskUpdate).status === 'done' && !failedOnce) {
        failedOnce = true;
        throw new Error('the process died here');
      }
      return live(topic, update);
    });
    try {
      const crashed = await aiQueue.enqueue({ prompt: 'once' }, { key: key('crash'), live: true });
      await waitFor(async () => (await aiQueue.job(crashed.id))?.state === 'completed', {
        what: 'the task to complete on its second try',
      });
      expect(failedOnce).toBe(true);
      expect((await aiQueue.job(crashed.id))?.attemptsMade).toBeGreaterThanOrEqual(1);
      expect(calls()).toBe(before + 2); // the embedding, and this task's one call
    } finally {
      spy.mockRestore();
    }
  });
}

describe('AI tasks on the queue: in-process driver', () => {
  aiQueueSuite('memory', () => ({}));
});

describeWith(['redis'], 'AI tasks on the queue: BullMQ driver', () => {
  const prefix = uniqueRedisPrefix('ai-queue');
  aiQueueSuite('bullmq', () => ({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix }));
});
