import { randomUUID } from 'node:crypto';
import { RedisConnections } from '@lattice/core';
import {
  BullMqQueueDriver,
  getJobDefinition,
  type Job,
  type PayloadOf,
  QueueManager,
} from '@lattice/queue';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  type Type,
} from '@nestjs/common';
import type { ClusterNode } from '../cluster.interfaces';
import { ClusterManager } from '../membership/cluster-manager';
import { CLUSTER_QUEUE_OPTIONS, routedQueueName } from './cluster-queue.constants';
import type {
  ClusterQueueModuleOptions,
  RoutedDispatchOptions,
  RoutedJob,
} from './cluster-queue.interfaces';
import { ClusterQueueMessages } from './cluster-queue.messages';
import { RoutedTakeover } from './routed-takeover';

/**
 * Queue jobs that must run on a node with a capability (a GPU, a local model, an API key only
 * some nodes have). `dispatch()` asks `ClusterManager.route(capability, key)` for a node (the
 * configured balancing strategy; `key` keeps related jobs on one node with consistent-hash) and
 * adds the job to that node's own queue, `<queue>.<capability>.<nodeId>`, which only that node
 * works, with the same job classes as `<queue>`. When a node leaves (or is dropped after a crash)
 * one other node moves its waiting jobs to other capable nodes, and its running jobs once their
 * lock expires (`RoutedTakeover`). On the in-process queue driver the job runs here, a cluster of
 * one, if this node has the capability. An observer (`ClusterModule.forRoot({ observe: true })`)
 * may dispatch but works no routed queue and takes over no departed node's jobs.
 *
 * @example
 * await this.routed.dispatch(Transcribe, { fileId }, { capability: 'gpu', key: `file:${fileId}` });
 */
@Injectable()
export class RoutedQueues implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('RoutedQueues');
  private readonly leaveListener: () => void;

  constructor(
    private readonly cluster: ClusterManager,
    private readonly queues: QueueManager,
    private readonly takeover: RoutedTakeover,
    @Inject(CLUSTER_QUEUE_OPTIONS) private readonly options: Required<ClusterQueueModuleOptions>,
    private readonly redis: RedisConnections,
  ) {
    this.leaveListener = this.cluster.on('leave', (node) => this.onLeave(node));
  }

  /** Whether jobs travel between nodes (BullMQ) or run in this process (the in-process driver). */
  get distributed(): boolean {
    return this.queues.driver instanceof BullMqQueueDriver;
  }

  /** The routed queues this node works, one per configured queue and capability of its own (none for an observer). */
  ownQueues(): string[] {
    if (this.cluster.observing) return [];
    return this.options.queues.flatMap((queue) =>
      this.cluster.settings.capabilities.map((capability) =>
        routedQueueName(queue, capability, this.cluster.nodeId),
      ),
    );
  }

  /**
   * Adds a job to the queue of a node that has `options.capability`. Rejects with
   * `NoCapableNodeError` (a 503) when no live node has it.
   */
  async dispatch<J extends Job<unknown, unknown>>(
    job: Type<J>,
    payload: PayloadOf<J>,
    options: RoutedDispatchOptions,
  ): Promise<RoutedJob> {
    const definition = getJobDefinition(job);
    if (!definition) throw ClusterQueueMessages.notAJob(job?.name ?? String(job));
    if (!this.options.queues.includes(definition.queue))
      throw ClusterQueueMessages.queueNotRouted(definition.queue, this.options.queues);
    if (!this.distributed) {
      // In process nothing leaves this node: it runs here if this node could be chosen at all.
      if (
        this.cluster.observing ||
        !this.cluster.settings.capabilities.includes(options.capability)
      )
        throw ClusterQueueMessages.noCapableNode(options.capability, this.cluster.members());
      let pending = this.queues.dispatch(job, payload);
      if (options.delay !== undefined) pending = pending.delay(options.delay);
      if (options.priority !== undefined) pending = pending.priority(options.priority);
      if (options.jobId !== undefined) pending = pending.id(options.jobId);
      const added = await pending;
      return { ...added, nodeId: this.cluster.nodeId, routedQueue: definition.queue };
    }
    const node = this.cluster.route(options.capability, options.key);
    if (!node) throw ClusterQueueMessages.noCapableNode(options.capability, this.cluster.members());
    const routedQueue = routedQueueName(definition.queue, options.capability, node.id);
    const added = await this.queues.driver.add(routedQueue, definition.name, payload ?? null, {
      delay: options.delay,
      priority: options.priority,
      // An id of its own, kept when the job moves to another node (BullMQ's counter is per queue).
      jobId: options.jobId ?? `routed-${randomUUID()}`,
      attempts: definition.attempts,
      backoff: definition.backoff,
    });
    return {
      id: added.id,
      queue: definition.queue,
      name: definition.name,
      nodeId: node.id,
      routedQueue,
      duplicate: added.duplicate,
    };
  }

  /** Starts this node's routed workers (with the app's job classes of each queue). */
  onApplicationBootstrap(): void {
    // An observer is in nobody's membership, so nothing is ever routed to it.
    if (!this.distributed || this.cluster.observing) return;
    for (const queue of this.options.queues) {
      if (this.queues.jobNames(queue).length === 0) {
        this.logger.warn(
          `Routed queue "${queue}" has no job classes in this app: this node runs none of its routed jobs.`,
        );
        continue;
      }
      for (const capability of this.cluster.settings.capabilities)
        this.queues.startWorkerAs(queue, routedQueueName(queue, capability, this.cluster.nodeId));
    }
  }

  onModuleDestroy(): void {
    this.leaveListener();
  }

  /** A node left or was dropped: one node (whoever claims it first) takes over its jobs. */
  private onLeave(node: ClusterNode): void {
    if (
      !this.distributed ||
      !this.redis.configured ||
      this.cluster.observing ||
      node.id === this.cluster.nodeId
    )
      return;
    const sources = this.options.queues.flatMap((queue) =>
      node.capabilities.map((capability) => ({
        queue,
        capability,
        name: routedQueueName(queue, capability, node.id),
      })),
    );
    if (sources.length > 0) void this.takeover.claim(node.id, sources);
  }
}
