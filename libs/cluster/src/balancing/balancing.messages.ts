import { LatticeError } from '@lattice/core';
import { BALANCING_STRATEGIES } from './balancing.constants';

/** Errors of the load balancer, each naming the thing, the cause and the fix. */
export const BalancingMessages = {
  unknownStrategy: (name: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_UNKNOWN_STRATEGY',
      `There is no load balancing strategy "${name}". Shipped: ${BALANCING_STRATEGIES.join(', ')}.`,
      'Use one of those names (ClusterModule.forRoot({ balancing: { strategy } })), or pass your own BalancingStrategy to new LoadBalancer().',
    ),
  badVirtualNodes: (value: number) =>
    new LatticeError(
      'LATTICE_CLUSTER_BAD_VIRTUAL_NODES',
      `virtualNodes must be a whole number from 1 to 10000, got ${value}.`,
      'Leave it out for the default (160 points per node), or pass a whole number in that range.',
    ),
};
