import { VectorMessages } from './vectors.messages';

/** One hit of `VectorIndex.search`: the id and its cosine similarity to the query. */
export interface VectorMatch<Id> {
  id: Id;
  score: number;
}

export interface VectorSearchOptions<Id> {
  /** How many matches at most (default 10). */
  k?: number;
  /** Matches must score at least this cosine similarity (default: any). */
  threshold?: number;
  /** Leaves out ids it returns false for (the question being edited, hidden posts…). */
  filter?: (id: Id) => boolean;
}

export interface VectorIndexOptions {
  /** Length of every vector (512 for the offline provider's embeddings). */
  dimensions: number;
  /** Vectors room is made for at first; the index grows by doubling (default 1 024). */
  initialCapacity?: number;
}

/**
 * An in-memory index of vectors by id, searched by cosine similarity. Vectors are normalized
 * when they are added and kept in one contiguous `Float32Array`, so a search is one pass of dot
 * products over it (brute force: exact, no build step, and fast enough for tens of thousands of
 * vectors; see docs/benchmarks.md). Not persisted: rebuild it at boot from the stored
 * embeddings.
 *
 * @example
 * const index = new VectorIndex<number>({ dimensions: 512 });
 * index.upsert(question.id, embedding);
 * index.search(queryEmbedding, { k: 5, threshold: 0.35 });
 */
export class VectorIndex<Id = string> {
  readonly dimensions: number;
  private data: Float32Array;
  private ids: Id[] = [];
  private readonly slots = new Map<Id, number>();

  constructor(options: VectorIndexOptions) {
    const { dimensions } = options;
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw VectorMessages.dimensionsInvalid(dimensions);
    }
    this.dimensions = dimensions;
    this.data = new Float32Array(Math.max(1, options.initialCapacity ?? 1024) * dimensions);
  }

  /** How many vectors the index holds. */
  get size(): number {
    return this.ids.length;
  }

  has(id: Id): boolean {
    return this.slots.has(id);
  }

  /** Adds a vector; throws if the id is already there (use `upsert` to replace). */
  add(id: Id, vector: ArrayLike<number>): void {
    if (this.slots.has(id)) throw VectorMessages.duplicateId(id);
    this.upsert(id, vector);
  }

  /** Adds a vector, or replaces the one stored under `id`. */
  upsert(id: Id, vector: ArrayLike<number>): void {
    const scale = this.scaleOf(vector, id);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.ids.length;
      this.grow(slot + 1);
      this.ids.push(id);
      this.slots.set(id, slot);
    }
    // Written straight into the store, scaled to length 1: no copy per vector.
    const data = this.data;
    const dims = this.dimensions;
    const base = slot * dims;
    for (let d = 0; d < dims; d++) data[base + d] = vector[d] * scale;
  }

  /** Removes a vector; false when the id was not there. */
  remove(id: Id): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    // The last vector moves into the hole: the data stays contiguous, removal is O(dimensions).
    const last = this.ids.length - 1;
    if (slot !== last) {
      const moved = this.ids[last];
      this.data.copyWithin(
        slot * this.dimensions,
        last * this.dimensions,
        (last + 1) * this.dimensions,
      );
      this.ids[slot] = moved;
      this.slots.set(moved, slot);
    }
    this.ids.pop();
    this.slots.delete(id);
    return true;
  }

  /** The stored (normalized) vector of `id`, as a copy. */
  get(id: Id): Float32Array | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    return this.data.slice(slot * this.dimensions, (slot + 1) * this.dimensions);
  }

  clear(): void {
    this.ids = [];
    this.slots.clear();
  }

  /**
   * The `k` vectors most similar to `query` (cosine), best first, at or above `threshold`.
   * A zero query matches nothing.
   */
  search(query: ArrayLike<number>, options: VectorSearchOptions<Id> = {}): VectorMatch<Id>[] {
    const k = options.k ?? 10;
    const threshold = options.threshold ?? -Infinity;
    const scale = this.scaleOf(query);
    if (k <= 0 || scale === 0) return [];
    const dims = this.dimensions;
    // The query's non-zero coordinates: a sparse query (the offline provider's embeddings touch
    // a tenth of the dimensions) is scored on those alone, a dense one on all, four at a time.
    const nonZero: number[] = [];
    for (let d = 0; d < dims; d++) if (query[d] !== 0) nonZero.push(d);
    const sparse = nonZero.length * 2 < dims;
    const at = Int32Array.from(sparse ? nonZero : []);
    const q = new Float32Array(sparse ? nonZero.length : dims);
    for (let i = 0; i < q.length; i++) q[i] = query[sparse ? at[i] : i] * scale;
    const data = this.data;
    const count = this.ids.length;
    const tail = dims - (dims % 4);
    // The best k so far, kept sorted best first; small k makes insertion cheaper than a heap.
    const scores: number[] = [];
    const slots: number[] = [];
    let floor = threshold;
    for (let slot = 0, base = 0; slot < count; slot++, base += dims) {
      let score = 0;
      if (sparse) {
        for (let i = 0; i < q.length; i++) score += q[i] * data[base + at[i]];
      } else {
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let d = 0; d < tail; d += 4) {
          s0 += q[d] * data[base + d];
          s1 += q[d + 1] * data[base + d + 1];
          s2 += q[d + 2] * data[base + d + 2];
          s3 += q[d + 3] * data[base + d + 3];
        }
        for (let d = tail; d < dims; d++) s0 += q[d] * data[base + d];
        score = s0 + s1 + s2 + s3;
      }
      if (score < floor || (scores.length === k && score <= floor)) continue;
      if (options.filter && !options.filter(this.ids[slot])) continue;
      let place = scores.length;
      while (place > 0 && scores[place - 1] < score) place--;
      scores.splice(place, 0, score);
      slots.splice(place, 0, slot);
      if (scores.length > k) {
        scores.pop();
        slots.pop();
      }
      if (scores.length === k) floor = Math.max(threshold, scores[k - 1]);
    }
    return slots.map((slot, i) => ({ id: this.ids[slot], score: scores[i] }));
  }

  /** 1 / the length of `vector`, checked (0 for a zero vector). */
  private scaleOf(vector: ArrayLike<number>, id?: Id): number {
    if (vector.length !== this.dimensions) {
      throw VectorMessages.dimensionsMismatch(id, vector.length, this.dimensions);
    }
    let sum = 0;
    for (let i = 0; i < vector.length; i++) sum += vector[i] * vector[i];
    if (!Number.isFinite(sum)) throw VectorMessages.notFinite(id);
    return sum > 0 ? 1 / Math.sqrt(sum) : 0;
  }

  private grow(needed: number): void {
    if (needed * this.dimensions <= this.data.length) return;
    let capacity = this.data.length / this.dimensions;
    while (capacity < needed) capacity *= 2;
    const data = new Float32Array(capacity * this.dimensions);
    data.set(this.data.subarray(0, this.ids.length * this.dimensions));
    this.data = data;
  }
}
