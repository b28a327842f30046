import { Logger } from '@nestjs/common';
import { MemoryPubSub } from './memory.pubsub';
import type { PubSubMeta } from './pubsub';

const nextTick = () => new Promise((resolve) => setImmediate(resolve));

describe('MemoryPubSub', () => {
  let pubsub: MemoryPubSub;
  beforeEach(() => {
    pubsub = new MemoryPubSub('node-a');
  });

  it('delivers to every subscriber of the topic, after publish returns, in order', async () => {
    const seen: [string, unknown, PubSubMeta][] = [];
    await pubsub.subscribe('questions.created', (m, meta) => void seen.push(['first', m, meta]));
    await pubsub.subscribe('questions.created', (m, meta) => void seen.push(['second', m, meta]));
    await pubsub.subscribe('other', (m, meta) => void seen.push(['other', m, meta]));

    await pubsub.publish('questions.created', { id: 1 });
    await pubsub.publish('questions.created', { id: 2 });
    expect(seen).toEqual([]);
    await nextTick();
    await nextTick();

    const meta = { topic: 'questions.created', origin: 'node-a', local: true };
    expect(seen).toEqual([
      ['first', { id: 1 }, meta],
      ['second', { id: 1 }, meta],
      ['first', { id: 2 }, meta],
      ['second', { id: 2 }, meta],
    ]);
  });

  it('hands each subscriber a copy, as a network transport would', async () => {
    const received: unknown[] = [];
    await pubsub.subscribe('t', (m) => void received.push(m));
    const message = { when: new Date(0), list: [1] };
    await pubsub.publish('t', message);
    await nextTick();
    expect(received).toEqual([{ when: '1970-01-01T00:00:00.000Z', list: [1] }]);
    expect(received[0]).not.toBe(message);
  });

  it('stops delivering after unsubscribe', async () => {
    const received: unknown[] = [];
    const unsubscribe = await pubsub.subscribe('t', (m) => void received.push(m));
    await pubsub.publish('t', 1);
    await nextTick();
    await unsubscribe();
    await pubsub.publish('t', 2);
    await nextTick();
    expect(received).toEqual([1]);
  });

  it('keeps delivering to the others when one subscriber throws or rejects', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const received: unknown[] = [];
    await pubsub.subscribe('t', () => {
      throw new Error('boom');
    });
    await pubsub.subscribe('t', async () => {
      throw new Error('async boom');
    });
    await pubsub.subscribe('t', (m) => void received.push(m));
    await pubsub.publish('t', 'hello');
    await nextTick();
    await nextTick();
    expect(received).toEqual(['hello']);
    expect(errors.mock.calls.map((call) => call[0])).toEqual([
      'A subscriber of "t" failed: boom',
      'A subscriber of "t" failed: async boom',
    ]);
    errors.mockRestore();
  });

  it('rejects bad topics and messages that are not JSON, with a hint', async () => {
    await expect(pubsub.publish('', 1)).rejects.toMatchObject({
      code: 'LATTICE_PUBSUB_TOPIC_INVALID',
    });
    await expect(pubsub.subscribe('has space', () => undefined)).rejects.toMatchObject({
      code: 'LATTICE_PUBSUB_TOPIC_INVALID',
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(pubsub.publish('t', cyclic)).rejects.toMatchObject({
      code: 'LATTICE_PUBSUB_MESSAGE_INVALID',
      hint: expect.stringContaining('plain data'),
    });
    await expect(pubsub.publish('t', undefined)).rejects.toMatchObject({
      code: 'LATTICE_PUBSUB_MESSAGE_INVALID',
    });
  });
});
