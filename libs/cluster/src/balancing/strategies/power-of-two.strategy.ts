import type { ClusterNode } from '../../cluster.interfaces';
import type { OrderingBalancingStrategy } from '../balancing.interfaces';

/** What "busy" means here: open connections plus queue jobs running. */
const loadOf = (node: ClusterNode) => node.load.connections + node.load.jobsActive;

/**
 * The power of two choices: two distinct candidates at random, the less loaded of them
 * (connections + jobs running). Nearly as even as least-connections, but nodes that read the
 * same stale heartbeat figures do not all rush to the same least-loaded node (Mitzenmacher).
 * The most loaded node is never chosen while there are two or more candidates.
 */
export class PowerOfTwoStrategy implements OrderingBalancingStrategy {
  readonly name = 'power-of-two';

  /** @param random in [0, 1); tests pass a seeded one. */
  constructor(private readonly random: () => number = Math.random) {}

  pick(candidates: readonly ClusterNode[]): ClusterNode {
    const n = candidates.length;
    if (n === 1) return candidates[0];
    const i = this.index(n);
    // A second index other than i, uniformly among the n - 1 others.
    const j = (i + 1 + this.index(n - 1)) % n;
    const [a, b] = [candidates[i], candidates[j]];
    return loadOf(b) < loadOf(a) ? b : a;
  }

  /** This pick first, then the others least loaded first. */
  order(candidates: readonly ClusterNode[]): ClusterNode[] {
    const first = this.pick(candidates);
    const rest = candidates
      .filter((node) => node !== first)
      .map((node, index) => ({ node, index, load: loadOf(node) }))
      .sort((a, b) => a.load - b.load || a.index - b.index);
    return [first, ...rest.map((r) => r.node)];
  }

  private index(n: number): number {
    // Clamped: a random() that returns 1 (a careless stub) must not index past the end.
    return Math.min(Math.floor(this.random() * n), n - 1);
  }
}
