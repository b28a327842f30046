/** The version of the Lattice libraries (kept equal to libs/core/package.json by a unit test). */
export const LATTICE_VERSION = '0.1.0';

/** Injection token of this process's node id (`hostname-pid-random`), shared by PubSub and, later, the cluster. */
export const LATTICE_NODE_ID = Symbol('lattice:node-id');
