import type { LiveContext } from '@lattice/live';
import type { ClusterEvent, ClusterNode } from '../cluster.interfaces';

/** Options of `ClusterLiveModule.forRoot()` / `forRootAsync()`. */
export interface ClusterLiveModuleOptions {
  /**
   * Who may see the cluster: asked at every mount, so again on each rejoin. Guard the page's
   * route as well (`@Roles('admin')`); this is the check the socket path cannot skip.
   */
  authorize: (context: LiveContext) => boolean | Promise<boolean>;
  /** Samples per node in each sparkline (default 30, one per heartbeat). */
  historySize?: number;
}

/**
 * What the binding tells the page's sessions: a membership event about `node`, or a `beat`
 * (every heartbeat interval: the loads changed, which fires no membership event); `nodes` is
 * this node's view of the members at that moment.
 */
export type ClusterLiveEvent =
  | { event: ClusterEvent; node: ClusterNode; nodes: ClusterNode[] }
  | { event: 'beat'; nodes: ClusterNode[] };
