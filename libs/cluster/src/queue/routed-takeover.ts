import { RedisConnections } from '@lattice/core';
import { BullMqQueueDriver, QueueManager } from '@lattice/queue';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ClusterManager, CLUSTER_REDIS_CONNECTION } from '../membership/cluster-manager';
import { CLUSTER_QUEUE_OPTIONS, routedQueueName } from './cluster-queue.constants';
import type { ClusterQueueModuleOptions } from './cluster-queue.interfaces';

/** A job as BullMQ stores it (bullmq itself is @lattice/queue's dependency, not ours). */
type BullJob = NonNullable<Awaited<ReturnType<ReturnType<BullMqQueueDriver['queue']>['getJob']>>>;

/** A departed node's routed queue. */
export interface RoutedSource {
  queue: string;
  capability: string;
  /** `<queue>.<capability>.<nodeId>`. */
  name: string;
}

/** How often the taker looks again for jobs still locked by the departed node. */
const SWEEP_EVERY_MS = 250;
const PAGE = 500;

/**
 * Moves a departed node's routed jobs to other nodes with the same capability. Exactly one node
 * does it: the first to claim the departed node's id in Redis (`SET NX`, held for the takeover
 * timeout). Waiting, prioritized and delayed jobs move at once (added to the new node's queue
 * with the same id, then removed: a crash in between leaves a copy, never a loss); a job the
 * node was running moves once its lock has expired, as BullMQ's stalled-job check would retry
 * it, since nobody works the departed node's queue any more. The sweep repeats until that queue
 * is empty and one membership TTL has passed (a dispatch that chose the node just before it was
 * dropped still lands), then the queue's keys are removed.
 */
@Injectable()
export class RoutedTakeover implements OnModuleDestroy {
  private readonly logger = new Logger('RoutedQueues');
  private readonly stop = new AbortController();
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly cluster: ClusterManager,
    private readonly queues: QueueManager,
    private readonly redis: RedisConnections,
    @Inject(CLUSTER_QUEUE_OPTIONS) private readonly options: Required<ClusterQueueModuleOptions>,
  ) {}

  /** Takes over `nodeId`'s routed queues if no other node has claimed them. */
  async claim(nodeId: string, sources: RoutedSource[]): Promise<boolean> {
    const driver = this.queues.driver;
    if (!(driver instanceof BullMqQueueDriver) || this.stop.signal.aborted) return false;
    let claimed: string | null;
    try {
      claimed = await this.redis
        .get(CLUSTER_REDIS_CONNECTION)
        .set(
          this.redis.key('cluster', 'routed-takeover', nodeId),
          this.cluster.nodeId,
          'PX',
          this.options.takeoverTimeoutMs,
          'NX',
        );
    } catch (error) {
      this.logger.warn(`Could not claim the routed jobs of node ${nodeId}: ${describe(error)}.`);
      return false;
    }
    if (claimed !== 'OK') return false;
    const work = this.move(driver, nodeId, sources).finally(() => this.running.delete(work));
    this.running.add(work);
    await work;
    return true;
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.running]);
  }

  private async move(driver: BullMqQueueDriver, nodeId: string, sources: RoutedSource[]) {
    const started = Date.now();
    const deadline = started + this.options.takeoverTimeoutMs;
    const settleMs = this.cluster.settings.ttlMs;
    let moved = 0;
    let left = sources;
    while (left.length > 0 && !this.stop.signal.aborted) {
      const next: RoutedSource[] = [];
      for (const source of left) {
        try {
          const result = await this.sweep(driver, source);
          moved += result.moved;
          if (result.remaining > 0 || Date.now() - started < settleMs) next.push(source);
          else await driver.queue(source.name).obliterate({ force: true });
        } catch (error) {
          this.logger.warn(
            `Moving the jobs of ${source.name} failed (${describe(error)}); retrying.`,
          );
          next.push(source);
        }
      }
      left = next;
      if (left.length === 0) break;
      if (Date.now() > deadline) {
        this.logger.error(
          `Jobs of departed node ${nodeId} are still in ${left.map((s) => s.name).join(', ')} after ${this.options.takeoverTimeoutMs} ms (no capable node, or a lock longer than takeoverTimeoutMs); move them with lattice queue tools or raise takeoverTimeoutMs.`,
        );
        break;
      }
      await pause(SWEEP_EVERY_MS, this.stop.signal);
    }
    if (moved > 0) this.logger.log(`Moved ${moved} routed job(s) of departed node ${nodeId}.`);
  }

  /** One pass over a departed queue: moves what can move, counts what is left. */
  private async sweep(
    driver: BullMqQueueDriver,
    source: RoutedSource,
  ): Promise<{ moved: number; remaining: number }> {
    const queue = driver.queue(source.name);
    let moved = 0;
    let remaining = 0;
    const pending = await queue.getJobs(['wait', 'prioritized', 'delayed'], 0, PAGE - 1);
    for (const job of pending.filter(Boolean)) {
      if (await this.relocate(driver, source, job)) moved++;
      else remaining++;
    }
    const active = await queue.getJobs(['active'], 0, PAGE - 1);
    const client = this.redis.get(CLUSTER_REDIS_CONNECTION);
    for (const job of active.filter(Boolean)) {
      // Still locked: the node may yet finish it (a graceful leave), or the lock has not expired.
      if ((await client.exists(queue.toKey(`${job.id}:lock`))) === 1) {
        remaining++;
        continue;
      }
      if (await this.relocate(driver, source, job)) moved++;
      else remaining++;
    }
    return {
      moved,
      remaining: remaining + (pending.length >= PAGE || active.length >= PAGE ? 1 : 0),
    };
  }

  /** Adds the job to a capable node's queue (same id), then removes it here. */
  private async relocate(driver: BullMqQueueDriver, source: RoutedSource, job: BullJob) {
    // The job's id keeps one job on one node under consistent-hash, whoever moves it.
    const node = this.cluster.route(source.capability, job.id);
    if (!node) return false;
    const target = routedQueueName(source.queue, source.capability, node.id);
    const delayLeft = job.delay > 0 ? Math.max(0, job.timestamp + job.delay - Date.now()) : 0;
    const backoff = job.opts.backoff;
    await driver.add(target, job.name, job.data, {
      // BullMQ refuses custom ids made of digits only (its own counter's); dispatch() never makes those.
      jobId: /^\d+$/.test(job.id!) ? `${source.name}-${job.id}` : job.id,
      delay: delayLeft,
      priority: job.opts.priority,
      attempts: job.opts.attempts,
      backoff:
        typeof backoff === 'number'
          ? { type: 'fixed', delay: backoff }
          : backoff?.type === 'fixed' || backoff?.type === 'exponential'
            ? {
                type: backoff.type as 'fixed' | 'exponential',
                delay: backoff.delay ?? 0,
                jitter: backoff.jitter,
              }
            : undefined,
    });
    await job.remove();
    return true;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
