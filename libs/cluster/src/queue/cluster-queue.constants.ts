/** The options token of `ClusterQueueModule.forRoot()`. */
export const CLUSTER_QUEUE_OPTIONS = Symbol('lattice:cluster:queue:options');

/**
 * The queue a routed job waits in: one per queue, capability and node
 * (`ai.gpu.web-1-4242-ab12`). The capability is in the name so that, when the node leaves, its
 * jobs can be routed again to another node with the same capability.
 */
export function routedQueueName(queue: string, capability: string, nodeId: string): string {
  return `${queue}.${capability}.${nodeId}`;
}
