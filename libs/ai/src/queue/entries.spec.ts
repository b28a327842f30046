// @lattice/ai/queue needs @lattice/queue alone: @lattice/live and @lattice/events are loaded
// only when a task delivers to them.
jest.mock('@lattice/live', () => {
  throw new Error('@lattice/live was loaded');
});
jest.mock('@lattice/events', () => {
  throw new Error('@lattice/events was loaded');
});

import { AiQueueModule, AiTaskDelivery } from './index';

describe('@lattice/ai/queue', () => {
  it('loads without @lattice/live or @lattice/events, and loads each when a task asks for it', () => {
    expect(AiQueueModule).toBeDefined();
    const delivery = new AiTaskDelivery({} as never, {} as never);
    expect(() => delivery.check({})).not.toThrow();
    expect(() => delivery.check({ topic: 'ai.task:1' })).toThrow('@lattice/live was loaded');
    expect(() => delivery.check({ channel: 'question.1' })).toThrow('@lattice/events was loaded');
  });
});
