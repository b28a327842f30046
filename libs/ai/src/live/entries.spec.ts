// The main entry of @lattice/ai must load without the optional peers of its subpaths: each is
// mocked to fail when loaded.
jest.mock('@lattice/live', () => {
  throw new Error('@lattice/live was loaded');
});
jest.mock('@lattice/queue', () => {
  throw new Error('@lattice/queue was loaded');
});
jest.mock('@lattice/events', () => {
  throw new Error('@lattice/events was loaded');
});

import * as ai from '../index';

describe('@lattice/ai entries', () => {
  it('the main entry loads without @lattice/live, @lattice/queue or @lattice/events', () => {
    expect(ai.AiModule).toBeDefined();
    expect(ai.AIManager).toBeDefined();
  });

  it('brings @lattice/live only with @lattice/ai/live, @lattice/queue only with @lattice/ai/queue', () => {
    expect(() => jest.requireActual('./index')).toThrow('@lattice/live was loaded');
    expect(() => jest.requireActual('../queue')).toThrow('@lattice/queue was loaded');
  });
});
