import { CLUSTER_MODULE_OPTIONS } from '../cluster.constants';
import type { ResolvedClusterOptions } from '../cluster.options';
import { LOCKS_REDIS_CONNECTION } from '../lock/redis-lock.driver';
import { RedisScript } from '../lock/redis-script';
import { LeaderMessages } from './leader.messages';
import { LATTICE_NODE_ID, PubSub, RedisConnections, type Unsubscribe } from '@lattice/core';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';

/** The PubSub topic a resigning leader announces itself on, so the others campaign at once. */
export const LEADER_RESIGNED_TOPIC = 'lattice.cluster.leader-resigned';

// Free, or still ours from a leadership this node gave up locally (its renewal answered after it
// had stepped down): take it, with a new term.
const CAMPAIGN = new RedisScript(
  `local holder = redis.call('get', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {1, ARGV[1], redis.call('incr', KEYS[2])}
end
return {0, holder, tonumber(redis.call('get', KEYS[2]) or '0')}`,
  2,
);

const RENEW = new RedisScript(
  `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`,
  1,
);

const RESIGN = new RedisScript(
  `if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`,
  1,
);

type LeaderTask = (signal: AbortSignal) => void | Promise<void>;

/**
 * One leader per cluster on a Redis lease: `SET key <nodeId> NX PX leaseMs`, renewed every
 * lease / 3 by a compare-and-extend script; a leader that cannot renew before its lease ends
 * stops acting as leader at once (it never assumes it still is). When the leader dies, another
 * node takes over within one lease. Without Redis this process is always the leader. Methods
 * decorated `@OnLeader()` run when this node becomes leader (and get an AbortSignal that aborts
 * when it stops being one).
 *
 * An observer (`observe: true`) never campaigns: `isLeader` stays false and `@OnLeader` methods
 * never run, even alone or without Redis; it reads the lease on the same rounds, so `leaderId`
 * and `term` still name the cluster's leader.
 *
 * @example
 * leader.onElected(async (signal) => {
 *   while (!signal.aborted) await sweepExpiredTags(signal);
 * });
 */
@Injectable()
export class LeaderElection implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LeaderElection');
  private readonly tasks = new Set<LeaderTask>();
  private readonly leaseMs: number;
  private readonly observe: boolean;
  private leading = false;
  private current: string | undefined;
  private currentTerm = 0;
  private controller: AbortController | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = false;
  /** After `resign()`, this node lets the others campaign first (for one round, lease / 3). */
  private quietUntil = 0;
  private unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly redis: RedisConnections,
    private readonly pubsub: PubSub,
    @Inject(LATTICE_NODE_ID) private readonly nodeId: string,
    @Inject(CLUSTER_MODULE_OPTIONS) options: ResolvedClusterOptions,
  ) {
    this.leaseMs = options.leader.leaseMs;
    this.observe = options.observe;
  }

  /** Whether this process only reads the lease (`observe: true`) and never campaigns. */
  get observing(): boolean {
    return this.observe;
  }

  /** True while this node holds the lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** The current leader's node id, as of the last renewal or observation (undefined if none). */
  get leaderId(): string | undefined {
    return this.current;
  }

  /** A number that grows with each new leadership (a fencing token for the leader's writes). */
  get term(): number {
    return this.currentTerm;
  }

  /**
   * Runs `task` whenever this node becomes leader; the signal aborts when it stops being leader
   * (lease lost, shutdown). Returns the unsubscribe function.
   */
  onElected(task: (signal: AbortSignal) => void | Promise<void>): () => void {
    this.tasks.add(task);
    if (this.leading && this.controller) this.start(task, this.controller.signal);
    return () => void this.tasks.delete(task);
  }

  /**
   * Reads the lease now (for CLIs that cannot wait for a round) and returns the leader's node id;
   * never campaigns. Undefined without Redis for an observer, or when nobody holds the lease.
   */
  async refresh(): Promise<string | undefined> {
    if (this.redis.configured && !this.leading) await this.read();
    return this.current;
  }

  /** Gives the lease up now (on shutdown), so another node takes over without waiting for it to expire. */
  async resign(): Promise<void> {
    const was = this.leading;
    this.quietUntil = Date.now() + this.leaseMs / 3;
    this.stepDown('it resigned');
    if (!was || !this.redis.configured) return;
    try {
      await RESIGN.run(this.client, [this.leaseKey], [this.nodeId]);
      await this.within(this.pubsub.publish(LEADER_RESIGNED_TOPIC, { nodeId: this.nodeId }));
    } catch (error) {
      this.logger.warn(
        `Could not give the leader lease back (${(error as Error).message}); another node takes over when it ends, within ${this.leaseMs} ms.`,
      );
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.redis.configured) {
      if (!this.observe) this.elect(1); // a cluster of one; an observer is not part of it
      return;
    }
    // Waited for (so a resignation is heard from the start), but not past the command deadline:
    // a Redis that is down at boot must not hold the start up (the subscription completes later).
    const subscribed = this.pubsub
      .subscribe<{ nodeId: string }>(LEADER_RESIGNED_TOPIC, (message) => {
        if (message.nodeId !== this.nodeId) void this.tick();
      })
      .then(
        (unsubscribe) => void (this.unsubscribe = unsubscribe),
        () => undefined,
      );
    await this.within(subscribed);
    this.ticker = setInterval(() => void this.tick(), Math.max(1, Math.floor(this.leaseMs / 3)));
    this.ticker.unref();
    void this.tick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    await this.resign();
    // The subscriber connection waits for Redis to come back: never let shutdown wait with it.
    if (this.unsubscribe) await this.within(this.unsubscribe()).catch(() => undefined);
  }

  /** `work`, but given up on (not rejected) after the Redis command deadline. */
  private async within(work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise((resolve) => (timer = setTimeout(resolve, this.redis.commandTimeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  private get client() {
    return this.redis.get(LOCKS_REDIS_CONNECTION);
  }

  private get leaseKey(): string {
    return this.redis.key('cluster', 'leader');
  }

  /** One round: the leader renews; the others campaign (and learn who leads). */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    const sentAt = performance.now();
    try {
      if (this.observe) {
        await this.read();
      } else if (this.leading) {
        const renewed = await RENEW.run<number>(
          this.client,
          [this.leaseKey],
          [this.nodeId, this.leaseMs],
        );
        if (!this.leading) return; // stepped down while the renewal was on its way
        if (renewed === 1) this.armDeadline(sentAt);
        else this.stepDown('its lease ended and another node took it');
      } else if (Date.now() >= this.quietUntil) {
        const [won, holder, term] = await CAMPAIGN.run<[number, string, number]>(
          this.client,
          [this.leaseKey, this.redis.key('cluster', 'leader', 'term')],
          [this.nodeId, this.leaseMs],
        );
        this.currentTerm = Number(term);
        this.current = holder || undefined;
        if (won !== 1) return;
        if (this.stopped) {
          await RESIGN.run(this.client, [this.leaseKey], [this.nodeId]);
          return;
        }
        this.armDeadline(sentAt);
        this.elect(Number(term));
      }
    } catch {
      // Redis unreachable (RedisConnections logs the outage once): a leader's deadline decides.
    } finally {
      this.ticking = false;
    }
  }

  /** Learns who holds the lease (and the term) without campaigning. */
  private async read(): Promise<void> {
    const [holder, term] = await this.client.mget(
      this.leaseKey,
      this.redis.key('cluster', 'leader', 'term'),
    );
    if (this.leading) return; // elected meanwhile: its own view is the authority
    this.current = holder ?? undefined;
    this.currentTerm = Number(term ?? '0');
  }

  /** The lease runs from when the command was sent; stop a little before Redis would end it. */
  private armDeadline(sentAt: number): void {
    clearTimeout(this.deadline);
    const margin = Math.max(1, Math.round(this.leaseMs / 10));
    this.deadline = setTimeout(
      () => this.stepDown(`no renewal reached Redis within its ${this.leaseMs} ms lease`),
      Math.max(0, sentAt + this.leaseMs - margin - performance.now()),
    );
    this.deadline.unref();
  }

  private elect(term: number): void {
    this.leading = true;
    this.current = this.nodeId;
    this.currentTerm = term;
    this.controller = new AbortController();
    if (this.redis.configured) this.logger.log(`Node ${this.nodeId} is the leader (term ${term}).`);
    for (const task of this.tasks) this.start(task, this.controller.signal);
  }

  private stepDown(why: string): void {
    if (!this.leading) return;
    this.leading = false;
    this.current = undefined;
    clearTimeout(this.deadline);
    if (this.redis.configured && !this.stopped)
      this.logger.warn(`Node ${this.nodeId} stopped being the leader: ${why}.`);
    this.controller?.abort(LeaderMessages.leadershipLost(this.nodeId, why));
  }

  private start(task: LeaderTask, signal: AbortSignal): void {
    Promise.resolve()
      .then(() => task(signal))
      .catch((error: unknown) => {
        if (!signal.aborted)
          this.logger.error(`A leader task failed: ${(error as Error)?.stack ?? String(error)}`);
      });
  }
}
