// The main entry must load without the optional peers: each is mocked to fail when loaded.
jest.mock('@lattice/cache', () => {
  throw new Error('@lattice/cache was loaded');
});
jest.mock('@lattice/events', () => {
  throw new Error('@lattice/events was loaded');
});
jest.mock('@lattice/state', () => {
  throw new Error('@lattice/state was loaded');
});

import * as live from './index';

describe('@lattice/live', () => {
  it('loads without @lattice/cache, @lattice/events or @lattice/state', () => {
    expect(live.LiveModule).toBeDefined();
    expect(live.LiveRenderer).toBeDefined();
  });

  it('brings @lattice/events only with @lattice/live/channels, @lattice/state with @lattice/live/state', () => {
    expect(() => jest.requireActual('./channels')).toThrow('@lattice/events was loaded');
    expect(() => jest.requireActual('./state')).toThrow('@lattice/state was loaded');
  });
});
