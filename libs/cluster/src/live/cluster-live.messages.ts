import { LatticeError } from '@lattice/core';

/** Errors of `@lattice/cluster/live`, each naming the thing, the cause and the fix. */
export const ClusterLiveMessages = {
  authorizeMissing: () =>
    new LatticeError(
      'LATTICE_CLUSTER_LIVE_AUTHORIZE',
      'ClusterLiveModule has no authorize function, so it cannot tell who may see the cluster page.',
      "Pass one: ClusterLiveModule.forRoot({ authorize: (context) => context.identity?.roles?.includes('admin') }), or forRootAsync() to inject your authorization service.",
    ),
  historySizeInvalid: (value: unknown) =>
    new LatticeError(
      'LATTICE_CLUSTER_LIVE_HISTORY',
      `ClusterLiveModule's historySize must be a whole number from 2 to 600, got ${String(value)}.`,
      'Leave it out for 30 samples per node, or pass a whole number in that range.',
    ),
};
