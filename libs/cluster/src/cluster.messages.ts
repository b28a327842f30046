import { LatticeError } from '@lattice/core';

/** Every error the cluster library raises, each naming the thing, the cause and the fix. */
export const ClusterMessages = {
  noOwner: (key: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_NO_OWNER',
      `No live web node can own "${key}": the membership registry lists none that is up.`,
      'Check that the nodes share REDIS_URL and that their heartbeats reach Redis (lattice cluster:status).',
    ),
};
