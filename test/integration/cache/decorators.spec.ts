import { LatticeModule } from '@lattice/core';
import { CacheEvict, CacheModule, Cacheable } from '@lattice/cache';
import { INestApplicationContext, Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

@Injectable()
class QuestionService {
  loads = 0;
  titles = new Map<number, string>([[1, 'First']]);

  @Cacheable({
    key: (id: number) => `question:${id}`,
    tags: (id: number) => [`question:${id}`],
    ttl: 10_000,
  })
  async find(id: number): Promise<string | undefined> {
    this.loads++;
    return this.titles.get(id);
  }

  @Cacheable({ ttl: 10_000 })
  async count(): Promise<number> {
    this.loads++;
    return this.titles.size;
  }

  @CacheEvict({ tags: (id: number) => [`question:${id}`] })
  async rename(id: number, title: string): Promise<void> {
    this.titles.set(id, title);
  }

  @CacheEvict({ tags: ['never'] })
  async failToRename(): Promise<void> {
    throw new Error('rename failed');
  }
}

describe('@Cacheable and @CacheEvict', () => {
  let app: INestApplicationContext;
  let service: QuestionService;

  beforeAll(async () => {
    @Module({
      imports: [
        LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false }),
        CacheModule.forRoot({ tagCleanupIntervalMs: 0 }),
      ],
      providers: [QuestionService],
    })
    class DecoratedModule {}
    app = await NestFactory.createApplicationContext(DecoratedModule, { logger: false });
    service = app.get(QuestionService);
  });
  afterAll(() => app?.close());

  it('computes once, then serves the cached result, also to concurrent callers', async () => {
    // Its own id and a count from here: the other tests (in any order) use id 1 and load too.
    service.titles.set(7, 'Seventh');
    const before = service.loads;
    const results = await Promise.all([service.find(7), service.find(7), service.find(7)]);
    expect(results).toEqual(['Seventh', 'Seventh', 'Seventh']);
    expect(await service.find(7)).toBe('Seventh');
    expect(service.loads - before).toBe(1);
  });

  it('keys by arguments by default', async () => {
    const before = service.loads;
    const size = service.titles.size; // other tests add titles
    expect(await service.count()).toBe(size);
    expect(await service.count()).toBe(size);
    expect(service.loads).toBe(before + 1);
  });

  it('evicts by tag after the method succeeds, and not when it throws', async () => {
    await service.rename(1, 'Renamed');
    expect(await service.find(1)).toBe('Renamed');
    await expect(service.failToRename()).rejects.toThrow('rename failed');
    expect(await service.find(1)).toBe('Renamed');
  });
});
