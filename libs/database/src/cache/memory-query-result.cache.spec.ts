import { MemoryQueryResultCache } from './memory-query-result.cache';

describe('MemoryQueryResultCache', () => {
  it('stores copies, expires by duration, evicts the least recently used, removes by identifier', async () => {
    const cache = new MemoryQueryResultCache(2);
    const result = [{ id: 1 }];
    await cache.storeInCache({ identifier: 'a', time: Date.now(), duration: 1000, result });
    result[0].id = 99; // later changes to the caller's array do not reach the cache
    expect((await cache.getFromCache({ identifier: 'a', duration: 0 }))?.result).toEqual([
      { id: 1 },
    ]);

    await cache.storeInCache({ identifier: 'b', time: Date.now(), duration: 1000, result: [] });
    await cache.getFromCache({ identifier: 'a', duration: 0 }); // a is now the most recent
    await cache.storeInCache({ identifier: 'c', time: Date.now(), duration: 1000, result: [] });
    expect(await cache.getFromCache({ identifier: 'b', duration: 0 })).toBeUndefined();
    expect(await cache.getFromCache({ identifier: 'a', duration: 0 })).toBeDefined();

    expect(cache.isExpired({ time: Date.now() - 2000, duration: 1000 })).toBe(true);
    expect(cache.isExpired({ time: Date.now(), duration: 1000 })).toBe(false);

    await cache.remove(['a']);
    expect(await cache.getFromCache({ identifier: 'a', duration: 0 })).toBeUndefined();
  });
});
