import { LatticeError, ServiceUnavailableError } from '@lattice/core';

/**
 * No live node advertises the capability a routed job needs: a 503 (through core's error
 * filter, with Retry-After), since a node with it may join or come back.
 */
export class NoCapableNodeError extends ServiceUnavailableError {
  override readonly code = 'LATTICE_CLUSTER_NO_CAPABLE_NODE';
  override readonly hint: string;

  constructor(
    readonly capability: string,
    members: readonly { id: string; capabilities: string[]; status: string }[],
  ) {
    super(`A node with capability "${capability}"`, 'none is up', 5);
    const listed = members
      .map(
        (node) =>
          `${node.id} (${node.status}: ${node.capabilities.join(', ') || 'no capabilities'})`,
      )
      .join('; ');
    this.message = `No live node has the capability "${capability}" to run this job. Members: ${listed || 'none'}.`;
    this.hint = `Start a node with ClusterModule.forRoot({ capabilities: ['${capability}'] }) on the same REDIS_URL and REDIS_KEY_PREFIX, or check that it is up and not draining (lattice cluster:status).`;
  }
}

/** Errors of routed queues, each naming the thing, the cause and the fix. */
export const ClusterQueueMessages = {
  noCapableNode: (
    capability: string,
    members: readonly { id: string; capabilities: string[]; status: string }[],
  ) => new NoCapableNodeError(capability, members),
  queueNotRouted: (queue: string, routed: readonly string[]) =>
    new LatticeError(
      'LATTICE_CLUSTER_QUEUE_NOT_ROUTED',
      `Queue "${queue}" is not routed. Routed queues: ${routed.join(', ') || 'none'}.`,
      `Add it: ClusterQueueModule.forRoot({ queues: [${[...routed, queue].map((q) => `'${q}'`).join(', ')}] }).`,
    ),
  notAJob: (name: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_QUEUE_NOT_A_JOB',
      `${name} is not a job class: it has no @QueueJob() decorator.`,
      'Pass a class that extends Job and is decorated with @QueueJob({ queue }).',
    ),
  badOptions: (detail: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_QUEUE_OPTIONS',
      `ClusterQueueModule options are invalid: ${detail}.`,
      "Pass { queues: ['ai'] } with queue names of letters, digits, '_' or '-', and takeoverTimeoutMs as a whole number of ms ≥ 1000.",
    ),
};
