import { LatticeError } from '@lattice/core';

/** Why this node stopped being the leader: the reason of the `AbortSignal` leader tasks get. */
export const LeaderMessages = {
  leadershipLost: (nodeId: string, why: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_LEADERSHIP_LOST',
      `Node ${nodeId} is no longer the leader: ${why}.`,
      'Stop the leader-only work now; the node that takes over starts it again (its term is higher).',
    ),
};
