import { closestName } from './closest-name';

describe('closestName', () => {
  it('suggests the nearest known name, ignoring case', () => {
    expect(closestName('Sidbar', ['Header', 'Sidebar', 'Footer'])).toBe('Sidebar');
    expect(closestName('qestion', ['question', 'cart'])).toBe('question');
  });

  it('suggests nothing when every name is far off', () => {
    expect(closestName('zzz', ['question', 'cart'])).toBeUndefined();
    expect(closestName('anything', [])).toBeUndefined();
  });
});
