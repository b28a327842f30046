import type { BalancingStrategy, BalancingStrategyName, ClusterNode } from '../cluster.interfaces';

/**
 * Chooses a node among candidates with a pluggable strategy: round robin, least connections,
 * weighted (smooth weighted round robin), consistent hashing with virtual nodes, or the power of
 * two choices. Used where Lattice itself picks a node (`ClusterManager.route()` and `owner()`,
 * the reconnect target list).
 *
 * CONTRACT (lead): signatures are fixed; the balancing branch implements the bodies.
 */
export class LoadBalancer {
  constructor(readonly strategy: BalancingStrategy) {}

  /** A balancer with a shipped strategy by name. */
  static of(name: BalancingStrategyName, options: { virtualNodes?: number } = {}): LoadBalancer {
    void name;
    void options;
    throw new Error('not built yet');
  }

  /** One of `candidates`, or undefined when there are none. */
  pick(candidates: readonly ClusterNode[], key?: string): ClusterNode | undefined {
    return candidates.length === 0 ? undefined : this.strategy.pick(candidates, key);
  }

  /**
   * All candidates in the order the strategy prefers them (the first is `pick()`'s answer): the
   * reconnect target list a client walks when its node goes away.
   */
  order(candidates: readonly ClusterNode[], key?: string): ClusterNode[] {
    void candidates;
    void key;
    throw new Error('not built yet');
  }
}
