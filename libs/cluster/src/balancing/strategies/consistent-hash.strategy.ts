import type { ClusterNode } from '../../cluster.interfaces';
import { DEFAULT_VIRTUAL_NODES } from '../balancing.constants';
import type { OrderingBalancingStrategy } from '../balancing.interfaces';
import { murmur3 } from '../murmur3';
import { RoundRobinStrategy } from './round-robin.strategy';

/** The ring for one set of node ids: sorted points and, for each, the index of its node id. */
interface Ring {
  /** The ids joined by newlines, in sorted order: the cache key. */
  key: string;
  ids: string[];
  points: Uint32Array;
  owners: Uint16Array | Uint32Array;
}

/**
 * Consistent hashing on a ring with virtual nodes: each node id puts `virtualNodes` points on a
 * 32-bit ring at murmur3(`${id}#${i}`); a key belongs to the first point clockwise from
 * murmur3(key). The ring depends only on the set of ids (not on their order, nor on which node
 * computes it), so every node names the same owner for a key; when a node joins it takes about
 * 1/N of the keys, all from the others, and when one leaves only its keys move.
 *
 * The ring is built once per set of candidate ids and reused while the set stays the same
 * (a lookup is then a binary search: O(log(N × virtualNodes))). Without a key it falls back to
 * round robin, since there is nothing to keep together.
 */
export class ConsistentHashStrategy implements OrderingBalancingStrategy {
  readonly name = 'consistent-hash';
  private ring?: Ring;
  private readonly fallback = new RoundRobinStrategy();

  constructor(readonly virtualNodes = DEFAULT_VIRTUAL_NODES) {}

  pick(candidates: readonly ClusterNode[], key?: string): ClusterNode {
    if (key === undefined) return this.fallback.pick(candidates);
    const ring = this.ringFor(candidates);
    const id = ring.ids[ring.owners[this.slot(ring, murmur3(key))]];
    return byId(candidates, id);
  }

  /** The key's owner, then each next distinct node clockwise: where the key goes if its owner leaves. */
  order(candidates: readonly ClusterNode[], key?: string): ClusterNode[] {
    if (key === undefined) return this.fallback.order(candidates);
    const ring = this.ringFor(candidates);
    const seen = new Set<number>();
    const ids: string[] = [];
    const start = this.slot(ring, murmur3(key));
    for (let i = 0; i < ring.points.length && ids.length < ring.ids.length; i++) {
      const owner = ring.owners[(start + i) % ring.points.length];
      if (!seen.has(owner)) {
        seen.add(owner);
        ids.push(ring.ids[owner]);
      }
    }
    return ids.map((id) => byId(candidates, id));
  }

  /** The node id that owns `key` among `ids` (for tools and tests that hold ids, not nodes). */
  ownerOf(ids: readonly string[], key: string): string {
    const ring = this.ringFor(ids.map((id) => ({ id }) as ClusterNode));
    return ring.ids[ring.owners[this.slot(ring, murmur3(key))]];
  }

  /** Index of the first point ≥ hash, wrapping to 0 past the last one. */
  private slot(ring: Ring, hash: number): number {
    const { points } = ring;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo === points.length ? 0 : lo;
  }

  private ringFor(candidates: readonly ClusterNode[]): Ring {
    const cached = this.ring;
    // Fast path: the same ids in the same (sorted) order as last time, compared without building a key.
    if (
      cached &&
      cached.ids.length === candidates.length &&
      candidates.every((c, i) => c.id === cached.ids[i])
    )
      return cached;
    const ids = [...new Set(candidates.map((c) => c.id))].sort();
    const key = ids.join('\n');
    if (cached?.key === key) return cached;
    this.ring = buildRing(ids, key, this.virtualNodes);
    return this.ring;
  }
}

function buildRing(ids: string[], key: string, virtualNodes: number): Ring {
  const size = ids.length * virtualNodes;
  const hashes = new Float64Array(size);
  const ownerOf = new Uint32Array(size);
  for (let n = 0; n < ids.length; n++) {
    for (let i = 0; i < virtualNodes; i++) {
      hashes[n * virtualNodes + i] = murmur3(`${ids[n]}#${i}`);
      ownerOf[n * virtualNodes + i] = n;
    }
  }
  // Sorted by point, then by id: two ids that hash to the same point are ordered the same way
  // on every node, so even a collision cannot make two nodes disagree on an owner.
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => hashes[a] - hashes[b] || ownerOf[a] - ownerOf[b],
  );
  const points = new Uint32Array(size);
  const owners = ids.length <= 0xffff ? new Uint16Array(size) : new Uint32Array(size);
  order.forEach((from, to) => {
    points[to] = hashes[from];
    owners[to] = ownerOf[from];
  });
  return { key, ids, points, owners };
}

function byId(candidates: readonly ClusterNode[], id: string): ClusterNode {
  // Candidates are few (the cluster's nodes): a scan is cheaper than keeping a map in step.
  for (const node of candidates) if (node.id === id) return node;
  throw new Error(`unreachable: ring node ${id} is not a candidate`);
}
