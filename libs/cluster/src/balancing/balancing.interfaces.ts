import type { BalancingStrategy, ClusterNode } from '../cluster.interfaces';

/**
 * A strategy that can also rank every candidate (`LoadBalancer.order()`): the first is what
 * `pick()` would answer, the rest the fallbacks in the strategy's preference. The shipped
 * strategies all implement it; a custom `BalancingStrategy` without it gets `pick()` first and
 * the others in the order given.
 */
export interface OrderingBalancingStrategy extends BalancingStrategy {
  order(candidates: readonly ClusterNode[], key?: string): ClusterNode[];
}

/** Options of `LoadBalancer.of()`. */
export interface LoadBalancerOptions {
  /** Points per node on the consistent-hash ring (default 160). */
  virtualNodes?: number;
  /** `power-of-two`'s source of randomness, in [0, 1) (default Math.random; tests inject one). */
  random?: () => number;
}
