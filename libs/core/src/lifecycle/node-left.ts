/**
 * The PubSub topic on which cluster membership (`@lattice/cluster`) announces that a node stopped
 * heartbeating or left: `{ nodeId }`. Libraries that keep entries per node (presence, live
 * sessions) subscribe to it and remove that node's entries at once, instead of waiting for their
 * own expiry. Without a cluster module nothing publishes it, and the entries expire as before.
 */
export const NODE_LEFT_TOPIC = 'lattice.cluster.node-left';

/** The message published on `NODE_LEFT_TOPIC`. */
export interface NodeLeftMessage {
  nodeId: string;
  /** Why: it said goodbye (`left`), or its heartbeat expired (`expired`). */
  reason: 'left' | 'expired';
}
