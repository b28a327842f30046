export const CLUSTER_MODULE_OPTIONS = Symbol('lattice:cluster:options');
/** Metadata key of `@WithLock()`. */
export const WITH_LOCK_METADATA = 'lattice:cluster:with-lock';
/** Metadata key of `@OnLeader()`. */
export const ON_LEADER_METADATA = 'lattice:cluster:on-leader';
/** The PubSub topic membership changes are announced on (join, leave, draining). */
export const CLUSTER_MEMBERSHIP_TOPIC = 'lattice.cluster.membership';
