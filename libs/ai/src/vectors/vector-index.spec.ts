import { LatticeError } from '@lattice/core';
import { SparseVectorIndex } from './sparse-vector-index';
import { VectorIndex } from './vector-index';

function vector(...values: number[]): number[] {
  return values;
}

// Both indexes keep the same contract; only their speed differs (bench/ai-offline.bench.ts).
describe.each([
  ['VectorIndex', VectorIndex],
  ['SparseVectorIndex', SparseVectorIndex],
])('%s', (_name, VectorIndex) => {
  it('finds the nearest vectors by cosine, best first, normalizing what it stores', () => {
    const index = new VectorIndex<string>({ dimensions: 3, initialCapacity: 1 });
    index.add('x', vector(10, 0, 0));
    index.add('xy', vector(1, 1, 0));
    index.add('y', vector(0, 2, 0));
    index.add('z', vector(0, 0, 5));
    const hits = index.search(vector(1, 0.2, 0), { k: 3 });
    expect(hits.map((hit) => hit.id)).toEqual(['x', 'xy', 'y']);
    expect(hits[0].score).toBeCloseTo(1 / Math.sqrt(1.04), 5);
    expect(index.size).toBe(4);
    expect(Array.from(index.get('x')!)).toEqual([1, 0, 0]);
  });

  it('keeps only matches at or above the threshold, and leaves out filtered ids', () => {
    const index = new VectorIndex<number>({ dimensions: 2 });
    index.add(1, vector(1, 0));
    index.add(2, vector(1, 1));
    index.add(3, vector(0, 1));
    expect(index.search(vector(1, 0), { threshold: 0.5 }).map((hit) => hit.id)).toEqual([1, 2]);
    expect(index.search(vector(1, 0), { filter: (id) => id !== 1 }).map((hit) => hit.id)).toEqual([
      2, 3,
    ]);
  });

  it('replaces on upsert, refuses a duplicate add, and stays correct after removals', () => {
    const index = new VectorIndex<string>({ dimensions: 2 });
    index.add('a', vector(1, 0));
    index.add('b', vector(0, 1));
    index.add('c', vector(1, 1));
    expect(() => index.add('a', vector(0, 1))).toThrow(LatticeError);
    index.upsert('a', vector(0, 1));
    expect(index.search(vector(0, 1), { k: 1 })[0].score).toBeCloseTo(1, 6);
    expect(index.remove('b')).toBe(true);
    expect(index.remove('b')).toBe(false);
    // 'c' moved into b's slot: its id and vector must have moved together.
    expect(index.search(vector(1, 1), { k: 1 })).toEqual([
      { id: 'c', score: expect.closeTo(1, 6) },
    ]);
    expect(index.size).toBe(2);
    index.clear();
    expect(index.search(vector(1, 1))).toEqual([]);
  });

  it('matches what a sort of every score gives, on random data', () => {
    const dims = 16;
    const index = new VectorIndex<number>({ dimensions: dims, initialCapacity: 4 });
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
    const stored = Array.from({ length: 300 }, () => Array.from({ length: dims }, random));
    stored.forEach((v, id) => index.add(id, v));
    const unit = (v: number[]) => {
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const query = Array.from({ length: dims }, random);
    const expected = stored
      .map((v, id) => ({ id, score: unit(v).reduce((sum, x, i) => sum + x * unit(query)[i], 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 7)
      .map((hit) => hit.id);
    expect(index.search(query, { k: 7 }).map((hit) => hit.id)).toEqual(expected);
  });

  it('says what is wrong with a vector of the wrong length, NaN, or a bad dimension count', () => {
    const index = new VectorIndex<string>({ dimensions: 3 });
    expect(() => index.add('a', vector(1, 2))).toThrow(
      /has 2 dimensions; this index holds vectors of 3/,
    );
    expect(() => index.add('a', vector(1, NaN, 0))).toThrow(/NaN/);
    expect(() => new VectorIndex<string>({ dimensions: 0 })).toThrow(/positive whole number/);
    expect(index.search(vector(0, 0, 0))).toEqual([]);
  });
});

describe('SparseVectorIndex', () => {
  it('finds the same neighbours as VectorIndex after many upserts and removals (compaction)', () => {
    const dims = 64;
    const dense = new VectorIndex<number>({ dimensions: dims });
    const sparse = new SparseVectorIndex<number>({ dimensions: dims });
    let seed = 11;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const sparseVector = () =>
      Array.from({ length: dims }, () => (random() < 0.1 ? random() * 2 - 1 : 0));
    for (let id = 0; id < 400; id++) {
      const v = sparseVector();
      dense.upsert(id % 250, v);
      sparse.upsert(id % 250, v);
      if (id % 3 === 0) {
        dense.remove((id * 7) % 250);
        sparse.remove((id * 7) % 250);
      }
    }
    expect(sparse.size).toBe(dense.size);
    for (let q = 0; q < 20; q++) {
      const query = sparseVector();
      const a = dense.search(query, { k: 5, threshold: 0.05 });
      const b = sparse.search(query, { k: 5, threshold: 0.05 });
      expect(b.map((hit) => hit.id)).toEqual(a.map((hit) => hit.id));
      b.forEach((hit, i) => expect(hit.score).toBeCloseTo(a[i].score, 5));
    }
  });
});
