// `@lattice/cluster/live`: the cluster's live admin view (needs @lattice/live).
export * from './cluster-live.constants';
export * from './cluster-live.interfaces';
export * from './cluster-live.messages';
export {
  CLUSTER_LIVE_OPTIONS_TYPE,
  CLUSTER_LIVE_ASYNC_OPTIONS_TYPE,
} from './cluster-live.module-definition';
export * from './cluster-live.module';
export * from './cluster-nodes.component';
export * from './cluster-live.binding';
