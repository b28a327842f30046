import type { VectorIndexOptions, VectorMatch, VectorSearchOptions } from './vector-index';
import { VectorMessages } from './vectors.messages';

/** A growable pair of columns: which vector, and its value in one dimension. */
interface Posting {
  slots: Int32Array;
  values: Float32Array;
  length: number;
}

/**
 * An exact cosine index for sparse vectors (most coordinates zero), such as the offline
 * provider's feature-hashed embeddings (a question title touches 40-odd of 512 dimensions): an
 * inverted list per dimension holds the vectors non-zero there, so a search walks only the
 * lists of the query's non-zero dimensions instead of every coordinate of every vector. Same
 * results as `VectorIndex`; much faster on sparse vectors, slower on dense ones (an OpenAI
 * embedding has no zeros: use `VectorIndex` for those). Removal leaves holes that are
 * compacted once they reach a quarter of the entries.
 */
export class SparseVectorIndex<Id = string> {
  readonly dimensions: number;
  private readonly postings: Posting[];
  private ids: (Id | undefined)[] = [];
  private readonly slots = new Map<Id, number>();
  /** Per slot, its non-zero dimensions (to remove and to return it). */
  private entries: { dims: Int32Array; values: Float32Array }[] = [];
  private removed = 0;
  private scores = new Float32Array(0);

  constructor(options: VectorIndexOptions) {
    const { dimensions } = options;
    if (!Number.isInteger(dimensions) || dimensions <= 0) {
      throw VectorMessages.dimensionsInvalid(dimensions);
    }
    this.dimensions = dimensions;
    this.postings = Array.from({ length: dimensions }, () => ({
      slots: new Int32Array(16),
      values: new Float32Array(16),
      length: 0,
    }));
  }

  get size(): number {
    return this.slots.size;
  }

  has(id: Id): boolean {
    return this.slots.has(id);
  }

  add(id: Id, vector: ArrayLike<number>): void {
    if (this.slots.has(id)) throw VectorMessages.duplicateId(id);
    this.upsert(id, vector);
  }

  upsert(id: Id, vector: ArrayLike<number>): void {
    const entry = this.sparse(vector, id);
    this.remove(id);
    const slot = this.ids.length;
    this.ids.push(id);
    this.entries.push(entry);
    this.slots.set(id, slot);
    for (let i = 0; i < entry.dims.length; i++) {
      const posting = this.postings[entry.dims[i]];
      if (posting.length === posting.slots.length) {
        const slots = new Int32Array(posting.length * 2);
        slots.set(posting.slots);
        const values = new Float32Array(posting.length * 2);
        values.set(posting.values);
        posting.slots = slots;
        posting.values = values;
      }
      posting.slots[posting.length] = slot;
      posting.values[posting.length] = entry.values[i];
      posting.length++;
    }
  }

  remove(id: Id): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    this.slots.delete(id);
    this.ids[slot] = undefined;
    this.removed++;
    if (this.removed * 4 > this.ids.length) this.compact();
    return true;
  }

  get(id: Id): Float32Array | undefined {
    const slot = this.slots.get(id);
    if (slot === undefined) return undefined;
    const vector = new Float32Array(this.dimensions);
    const entry = this.entries[slot];
    for (let i = 0; i < entry.dims.length; i++) vector[entry.dims[i]] = entry.values[i];
    return vector;
  }

  clear(): void {
    for (const posting of this.postings) posting.length = 0;
    this.ids = [];
    this.entries = [];
    this.slots.clear();
    this.removed = 0;
  }

  /** As `VectorIndex.search`: the `k` most similar, best first, at or above `threshold`. */
  search(query: ArrayLike<number>, options: VectorSearchOptions<Id> = {}): VectorMatch<Id>[] {
    const k = options.k ?? 10;
    const threshold = options.threshold ?? -Infinity;
    const q = this.sparse(query);
    if (k <= 0 || q.dims.length === 0) return [];
    if (this.scores.length < this.ids.length) this.scores = new Float32Array(this.ids.length * 2);
    const scores = this.scores;
    scores.fill(0, 0, this.ids.length);
    for (let i = 0; i < q.dims.length; i++) {
      const posting = this.postings[q.dims[i]];
      const weight = q.values[i];
      const slots = posting.slots;
      const values = posting.values;
      for (let p = 0; p < posting.length; p++) scores[slots[p]] += weight * values[p];
    }
    // Vectors sharing no dimension with the query score 0, as in a dense index: they are
    // candidates too when the threshold lets zero through.
    const best: number[] = [];
    const bestSlots: number[] = [];
    let floor = threshold;
    for (let slot = 0; slot < this.ids.length; slot++) {
      const score = scores[slot];
      if (score < floor || (best.length === k && score <= floor)) continue;
      const id = this.ids[slot];
      if (id === undefined || (options.filter && !options.filter(id))) continue;
      let at = best.length;
      while (at > 0 && best[at - 1] < score) at--;
      best.splice(at, 0, score);
      bestSlots.splice(at, 0, slot);
      if (best.length > k) {
        best.pop();
        bestSlots.pop();
      }
      if (best.length === k) floor = Math.max(threshold, best[k - 1]);
    }
    return bestSlots.map((slot, i) => ({ id: this.ids[slot] as Id, score: best[i] }));
  }

  /** The non-zero coordinates of `vector`, scaled to length 1. */
  private sparse(vector: ArrayLike<number>, id?: Id): { dims: Int32Array; values: Float32Array } {
    if (vector.length !== this.dimensions) {
      throw VectorMessages.dimensionsMismatch(id, vector.length, this.dimensions);
    }
    let sum = 0;
    let nonZero = 0;
    for (let i = 0; i < vector.length; i++) {
      sum += vector[i] * vector[i];
      if (vector[i] !== 0) nonZero++;
    }
    if (!Number.isFinite(sum)) throw VectorMessages.notFinite(id);
    const dims = new Int32Array(nonZero);
    const values = new Float32Array(nonZero);
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let i = 0, n = 0; i < vector.length; i++) {
      if (vector[i] === 0) continue;
      dims[n] = i;
      values[n++] = vector[i] * scale;
    }
    return { dims, values };
  }

  /** Rebuilds the lists without the removed vectors' entries. */
  private compact(): void {
    const live = this.ids.flatMap((id, slot) => (id === undefined ? [] : [{ id, slot }]));
    const entries = this.entries;
    this.clear();
    for (const { id, slot } of live) {
      const vector = new Float32Array(this.dimensions);
      const entry = entries[slot];
      for (let i = 0; i < entry.dims.length; i++) vector[entry.dims[i]] = entry.values[i];
      this.upsert(id, vector);
    }
  }
}
