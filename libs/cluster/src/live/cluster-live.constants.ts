/** Options token of `ClusterLiveModule`. */
export const CLUSTER_LIVE_OPTIONS = Symbol('lattice:cluster:live-options');
/** The live topic membership events reach the admin page on (this node's sessions only). */
export const CLUSTER_LIVE_TOPIC = 'lattice.cluster.live';
/** The registered name of the node table component (`@LivePage(CLUSTER_NODES_COMPONENT, …)`). */
export const CLUSTER_NODES_COMPONENT = 'lattice-cluster-nodes';
/** Samples kept per node for its sparkline (one per heartbeat: half a minute at the default beat). */
export const DEFAULT_HISTORY_SIZE = 30;
