import { sparkline } from './cluster-nodes.component';

describe('sparkline', () => {
  it('puts the newest sample at the right edge, scaled to the largest', () => {
    expect(sparkline([0, 5, 10], 3)).toBe('0.0,23.0 60.0,12.0 120.0,1.0');
    // Fewer samples than the window: they sit at the right, one step apart.
    expect(sparkline([4, 4], 5)).toBe('90.0,1.0 120.0,1.0');
  });

  it('draws a short flat line for one sample, and nothing for none', () => {
    expect(sparkline([3], 30)).toBe(`${(120 - 120 / 29).toFixed(1)},1.0 120.0,1.0`);
    expect(sparkline([0], 30)).toBe(`${(120 - 120 / 29).toFixed(1)},23.0 120.0,23.0`);
    expect(sparkline([], 30)).toBe('');
  });
});
