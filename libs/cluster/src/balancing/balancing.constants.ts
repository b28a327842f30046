import type { BalancingStrategyName } from '../cluster.interfaces';

/** The strategies `LoadBalancer.of()` knows, in the order the docs present them. */
export const BALANCING_STRATEGIES: readonly BalancingStrategyName[] = [
  'round-robin',
  'least-connections',
  'weighted',
  'consistent-hash',
  'power-of-two',
];

/** Points per node on the consistent-hash ring: about ±10 % spread of keys over nodes. */
export const DEFAULT_VIRTUAL_NODES = 160;
