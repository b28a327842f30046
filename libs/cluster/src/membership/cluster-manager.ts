import {
  LATTICE_NODE_ID,
  LatticeConfig,
  LatticeGauges,
  LatticeShutdown,
  NODE_LEFT_TOPIC,
  PubSub,
  RedisConnections,
  type NodeLeftMessage,
  type Unsubscribe,
} from '@lattice/core';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LoadBalancer } from '../balancing/load-balancer';
import { CLUSTER_MEMBERSHIP_TOPIC, CLUSTER_MODULE_OPTIONS } from '../cluster.constants';
import type { ClusterEvent, ClusterListener, ClusterNode, NodeStatus } from '../cluster.interfaces';
import { ClusterMessages } from '../cluster.messages';
import type { ResolvedClusterOptions } from '../cluster.options';
import { BEAT_SCRIPT, EXPIRE_SCRIPT, LEAVE_SCRIPT } from './membership.scripts';
import { NodeLoadSampler } from './node-load.sampler';

/** The Redis connection heartbeats use: its own, so a slow command elsewhere cannot delay a beat. */
export const CLUSTER_REDIS_CONNECTION = 'cluster';

/** A node's registry entry: the node plus the metadata of the services it advertises. */
interface NodeEntry extends ClusterNode {
  serviceMeta?: Record<string, Record<string, unknown>>;
}

/** What nodes announce on `CLUSTER_MEMBERSHIP_TOPIC`, so the others read the registry at once. */
interface MembershipNotice {
  nodeId: string;
  event: 'join' | 'draining' | 'update';
}

const EVENTS: ClusterEvent[] = ['join', 'suspect', 'leave', 'update'];

/**
 * This process's view of the cluster. Each node registers itself in Redis (a hash entry per node
 * plus a sorted set of heartbeat times) and heartbeats every `heartbeatMs`; every node reads the
 * registry on the same beat, so `members()` is at most one beat old. A node whose heartbeat is
 * older than `ttlMs` is dropped by the first member that sees it (exactly one of them: the removal
 * is a script that only one caller finds something to remove), which publishes core's
 * `NODE_LEFT_TOPIC` so libraries clean that node's entries. Without Redis the cluster is this
 * process alone, with the same API.
 *
 * Events: `join` (a node appeared, this one included on its first beat), `suspect` (no heartbeat
 * for `suspectAfterMs`), `update` (its status, services, capabilities or weight changed; load
 * changes alone do not fire it), `leave` (it left or expired).
 *
 * While Redis is unreachable the heartbeats fail (each within the command deadline), one warning
 * is logged, the last view is kept and nothing crashes; the first beat that gets through
 * registers the node again.
 *
 * An observer (`observe: true`, for CLIs) reads the registry on the same beat but never writes an
 * entry of its own: it is in nobody's `members()`, its own included, so `route()` and `owner()`
 * never pick it. Without Redis an observer sees no members at all.
 */
@Injectable()
export class ClusterManager implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Cluster');
  private readonly local: NodeEntry;
  private readonly ownServices = new Map<string, Record<string, unknown>>();
  private readonly serviceMeta = new Map<string, Record<string, Record<string, unknown>>>();
  private view = new Map<string, ClusterNode>();
  private readonly listeners = new Map<ClusterEvent, Set<ClusterListener>>(
    EVENTS.map((event) => [event, new Set()]),
  );
  private readonly waiters = new Set<() => void>();
  /** Nodes announced gone, with when: a registry read started before that may still list them. */
  private readonly departed = new Map<string, number>();
  private readonly sampler: NodeLoadSampler;
  private readonly balancers = new Map<string, LoadBalancer>();
  private readonly subscriptions: Promise<Unsubscribe>[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private stopped = false;
  private announced = false;
  /** Why heartbeats fail, while they do (logged once per outage). */
  private outage: string | undefined;

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ResolvedClusterOptions,
    @Inject(LATTICE_NODE_ID) private readonly id: string,
    private readonly redis: RedisConnections,
    private readonly pubsub: PubSub,
    config: LatticeConfig,
    @Optional() gauges?: LatticeGauges,
    @Optional() private readonly shutdown?: LatticeShutdown,
  ) {
    this.sampler = new NodeLoadSampler(gauges);
    for (const service of options.services) this.ownServices.set(service.name, service.meta);
    const now = Date.now();
    this.local = {
      id,
      host: options.host ?? hostname(),
      port:
        options.port !== undefined
          ? options.port
          : options.role === 'web'
            ? config.get('PORT')
            : null,
      version: options.version ?? appVersion(),
      role: options.role,
      startedAt: now,
      capabilities: [...options.capabilities],
      services: [...this.ownServices.keys()],
      weight: options.weight,
      status: 'up',
      heartbeatAt: now,
      load: this.sampler.sample(),
    };
  }

  /** This node's id (core's `LATTICE_NODE_ID`). */
  get nodeId(): string {
    return this.id;
  }

  /** This node as the others see it (its last heartbeat). */
  get self(): ClusterNode {
    return this.view.get(this.id) ?? publicNode(this.local);
  }

  /** Whether the registry is shared (Redis) or this process alone (memory). */
  get driver(): 'redis' | 'memory' {
    return this.redis.configured ? 'redis' : 'memory';
  }

  /** Whether this process only reads the membership (`observe: true`): it is never a member. */
  get observing(): boolean {
    return this.options.observe;
  }

  /** The options in force (defaults applied), for the boot report and `lattice cluster:status`. */
  get settings(): Readonly<ResolvedClusterOptions> {
    return this.options;
  }

  async onModuleInit(): Promise<void> {
    this.started = true;
    this.sampler.start();
    // SIGTERM: tell the others at once, so balancers and route() stop choosing this node.
    this.shutdown?.onDrain(() => this.markDraining());
    if (this.driver === 'redis') {
      this.subscriptions.push(
        this.pubsub.subscribe<NodeLeftMessage>(NODE_LEFT_TOPIC, (message) => this.forget(message)),
        this.pubsub.subscribe<MembershipNotice>(CLUSTER_MEMBERSHIP_TOPIC, (message, meta) => {
          if (!meta.local && !this.stopped) void this.beatQuietly();
        }),
      );
      await Promise.allSettled(this.subscriptions);
    }
    await this.beatQuietly();
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.sampler.stop();
    await this.chain;
    if (this.driver === 'redis') {
      // An observer has no entry to remove.
      if (!this.observing) await this.leave();
      // The subscriber connection has no command deadline: a silent Redis must not hold shutdown.
      await this.within(
        Promise.allSettled(this.subscriptions).then((unsubscribes) =>
          Promise.allSettled(
            unsubscribes.map((result) =>
              result.status === 'fulfilled' ? result.value() : undefined,
            ),
          ),
        ),
      );
    }
    this.view.delete(this.id);
  }

  /** `work`, given up on (not rejected) after the Redis command deadline. */
  private async within(work: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      work,
      new Promise((resolve) => (timer = setTimeout(resolve, this.redis.commandTimeoutMs))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Deregisters this node (graceful leave) and tells the others at once. */
  private async leave(): Promise<void> {
    try {
      const removed = await this.client().eval(
        LEAVE_SCRIPT,
        2,
        this.nodesKey(),
        this.beatsKey(),
        this.id,
      );
      if (removed === 1)
        await this.pubsub.publish<NodeLeftMessage>(NODE_LEFT_TOPIC, {
          nodeId: this.id,
          reason: 'left',
        });
    } catch (error) {
      this.logger.warn(
        `Could not deregister node ${this.id} (${describe(error)}); the others drop it within ${this.options.ttlMs} ms.`,
      );
    }
  }

  /** Live members (up, suspect or draining), as of the last heartbeat; sorted by id. */
  members(): ClusterNode[] {
    return [...this.view.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Reads the registry now (for CLIs and tests that cannot wait for a beat); rejects while Redis is unreachable. */
  async refresh(): Promise<ClusterNode[]> {
    await this.run(this.writes);
    return this.members();
  }

  /** Subscribe to membership changes; returns the unsubscribe function. */
  on(event: ClusterEvent, listener: ClusterListener): () => void {
    const set = this.listeners.get(event);
    if (!set)
      throw new TypeError(`Unknown cluster event "${String(event)}": use ${EVENTS.join(', ')}.`);
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * Resolves when `predicate(members())` holds (checked on each beat and membership event), for
   * tests and start-up code that need the cluster to have formed; rejects after `timeoutMs`.
   */
  async waitFor(
    predicate: (members: ClusterNode[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<ClusterNode[]> {
    return new Promise<ClusterNode[]>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const check = () => {
        try {
          if (!predicate(this.members())) return;
        } catch (error) {
          done();
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        done();
        resolve(this.members());
      };
      const timer = setTimeout(() => {
        done();
        reject(ClusterMessages.waitTimeout(timeoutMs, this.members()));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Marks this node `draining` at once (a heartbeat now), so balancers and `route()` skip it. */
  async markDraining(): Promise<void> {
    if (this.local.status === 'draining') return;
    this.local.status = 'draining';
    await this.announce('draining');
  }

  /**
   * A node that has `capability` (and is not draining), chosen by the configured strategy; `key`
   * keeps one key on one node for `consistent-hash`. Undefined when none has it.
   */
  route(capability: string, key?: string): ClusterNode | undefined {
    const candidates = this.members().filter(
      (node) => node.status === 'up' && node.capabilities.includes(capability),
    );
    const { strategy, virtualNodes } = this.options.balancing;
    return this.balancer(strategy, virtualNodes).pick(candidates, key);
  }

  /**
   * The node that owns `key` (consistent hashing over the `web` members that are up): one owner
   * per key across the cluster, moving for about 1/N of the keys when a node joins or leaves.
   */
  owner(key: string): ClusterNode {
    const candidates = this.members().filter((node) => node.role === 'web' && node.status === 'up');
    const owner = this.balancer('consistent-hash', this.options.balancing.virtualNodes).pick(
      candidates,
      key,
    );
    if (!owner) throw ClusterMessages.noOwner(key);
    return owner;
  }

  /**
   * Adds (or replaces) a service this node advertises, and heartbeats now so the others see it.
   * Used by `ServiceDiscovery.advertise()`.
   * @internal
   */
  async setService(service: string, meta: Record<string, unknown>): Promise<void> {
    this.ownServices.set(service, meta);
    this.local.services = [...this.ownServices.keys()];
    await this.announce('update');
  }

  /** Stops advertising a service (a heartbeat now). Used by `ServiceDiscovery.withdraw()`. @internal */
  async removeService(service: string): Promise<void> {
    if (!this.ownServices.delete(service)) return;
    this.local.services = [...this.ownServices.keys()];
    await this.announce('update');
  }

  /** The metadata a node advertised with `service` ({} when it gave none). @internal */
  serviceMetaOf(nodeId: string, service: string): Record<string, unknown> {
    if (nodeId === this.id) return this.ownServices.get(service) ?? {};
    return this.serviceMeta.get(nodeId)?.[service] ?? {};
  }

  /** A beat now, carried to the others at once (they read the registry when told). */
  private async announce(event: MembershipNotice['event']): Promise<void> {
    // An observer has no entry for the others to see.
    if (!this.started || this.stopped || this.observing) return;
    await this.beatQuietly();
    if (this.driver === 'redis' && !this.outage)
      await this.pubsub
        .publish<MembershipNotice>(CLUSTER_MEMBERSHIP_TOPIC, { nodeId: this.id, event })
        .catch(() => undefined); // the next regular beat carries it anyway
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.beatQuietly().finally(() => this.schedule());
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  /** A beat whose failure is logged (once per outage) instead of thrown. */
  private async beatQuietly(): Promise<void> {
    try {
      await this.run(this.writes);
    } catch (error) {
      if (this.outage === undefined)
        this.logger.warn(
          `Cluster heartbeats fail: ${describe(error)}. Keeping the last view of ${this.view.size} node(s); retrying every ${this.options.heartbeatMs} ms.`,
        );
      this.outage = describe(error);
    }
  }

  /** Whether a beat writes this node's entry: not once stopped, never for an observer. */
  private get writes(): boolean {
    return !this.stopped && !this.observing;
  }

  /** Beats run one at a time, in order (a timer beat, a refresh and markDraining may overlap). */
  private run(write: boolean): Promise<void> {
    const next = this.chain.then(() => this.beat(write));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async beat(write: boolean): Promise<void> {
    this.local.load = this.sampler.sample();
    if (this.driver === 'memory') {
      this.local.heartbeatAt = Date.now();
      // Alone without Redis: the cluster is this process, or nobody for an observer.
      const nodes = this.observing ? [] : [publicNode(this.local)];
      this.apply(nodes, this.local.heartbeatAt, this.local.heartbeatAt);
      return;
    }
    const readAt = Date.now();
    const entry: NodeEntry = {
      ...this.local,
      services: [...this.ownServices.keys()],
      serviceMeta: Object.fromEntries(this.ownServices),
    };
    const reply = (await this.client().eval(
      BEAT_SCRIPT,
      2,
      this.nodesKey(),
      this.beatsKey(),
      this.id,
      write ? JSON.stringify(entry) : '',
      String(Math.max(this.options.ttlMs * 10, 60_000)),
    )) as [number, string[], string[]];
    if (this.outage !== undefined) {
      this.logger.warn(
        `Cluster heartbeats reach Redis again; node ${this.id} is ${this.observing ? 'observing' : 'registered'}.`,
      );
      this.outage = undefined;
    }
    const [now, hash, beats] = reply;
    const beatOf = new Map<string, number>();
    for (let i = 0; i < beats.length; i += 2) beatOf.set(beats[i], Number(beats[i + 1]));
    const live: ClusterNode[] = [];
    const expired: string[] = [];
    for (let i = 0; i < hash.length; i += 2) {
      const nodeId = hash[i];
      const beatAt = beatOf.get(nodeId);
      if (beatAt === undefined || now - beatAt > this.options.ttlMs) {
        if (nodeId !== this.id) expired.push(nodeId);
        continue;
      }
      const parsed = parseEntry(hash[i + 1]);
      if (!parsed) continue;
      const { serviceMeta, ...node } = parsed;
      this.serviceMeta.set(nodeId, serviceMeta ?? {});
      live.push({ ...node, id: nodeId, heartbeatAt: beatAt });
    }
    // Beats without an entry (a half-written registry) expire the same way.
    for (const nodeId of beatOf.keys())
      if (
        !live.some((node) => node.id === nodeId) &&
        !expired.includes(nodeId) &&
        nodeId !== this.id
      )
        if (now - (beatOf.get(nodeId) ?? 0) > this.options.ttlMs) expired.push(nodeId);
    for (const nodeId of this.serviceMeta.keys())
      if (!live.some((node) => node.id === nodeId)) this.serviceMeta.delete(nodeId);
    this.apply(live, now, readAt);
    // A failed removal is retried by the next beat (of this node or another); the beat itself worked.
    await Promise.all(
      expired.map((nodeId) =>
        this.expire(nodeId, now - this.options.ttlMs).catch((error: unknown) =>
          this.logger.warn(`Could not drop expired node ${nodeId} yet: ${describe(error)}.`),
        ),
      ),
    );
  }

  /** Removes a node that stopped heartbeating, if this node is the one that gets to. */
  private async expire(nodeId: string, before: number): Promise<void> {
    const removed = await this.client().eval(
      EXPIRE_SCRIPT,
      2,
      this.nodesKey(),
      this.beatsKey(),
      nodeId,
      String(before),
    );
    if (removed !== 1) return;
    this.logger.log(
      `Node ${nodeId} stopped heartbeating for over ${this.options.ttlMs} ms: dropped.`,
    );
    this.serviceMeta.delete(nodeId);
    await this.pubsub.publish<NodeLeftMessage>(NODE_LEFT_TOPIC, { nodeId, reason: 'expired' });
  }

  /** A node announced gone (NODE_LEFT): out of the view now rather than on the next beat. */
  private forget({ nodeId, reason }: NodeLeftMessage): void {
    if (nodeId === this.id) {
      // This process stalled past the TTL (a long GC pause, a stopped VM): the others dropped it
      // and cleaned its entries; its next beat registers it again.
      if (reason === 'expired' && !this.stopped)
        this.logger.warn(
          `The other nodes dropped this node (${nodeId}): it did not heartbeat for over ${this.options.ttlMs} ms. Registering again; its presence entries were removed.`,
        );
      return;
    }
    this.departed.set(nodeId, Date.now());
    const node = this.view.get(nodeId);
    if (!node) return;
    this.view.delete(nodeId);
    this.serviceMeta.delete(nodeId);
    this.emit('leave', node);
    this.notifyWaiters();
  }

  /** Replaces the view with `nodes` (read at Redis time `now`, sent at local time `readAt`), firing the differences. */
  private apply(nodes: ClusterNode[], now: number, readAt: number): void {
    for (const [nodeId, at] of this.departed)
      if (readAt - at > this.options.ttlMs * 2) this.departed.delete(nodeId);
    const next = new Map<string, ClusterNode>();
    for (const node of nodes) {
      const departedAt = this.departed.get(node.id);
      // A read sent before the node was announced gone may still list it.
      if (departedAt !== undefined && readAt <= departedAt) continue;
      this.departed.delete(node.id);
      next.set(node.id, { ...node, status: statusOf(node, now, this.options.suspectAfterMs) });
    }
    const previous = this.view;
    this.view = next;
    for (const [nodeId, node] of next) {
      const before = previous.get(nodeId);
      if (!before) this.emit('join', node);
      else if (node.status === 'suspect' && before.status !== 'suspect') this.emit('suspect', node);
      else if (changed(before, node)) this.emit('update', node);
    }
    for (const [nodeId, node] of previous) if (!next.has(nodeId)) this.emit('leave', node);
    if (!this.announced && next.has(this.id)) {
      this.announced = true;
      if (this.driver === 'redis')
        void this.pubsub
          .publish<MembershipNotice>(CLUSTER_MEMBERSHIP_TOPIC, { nodeId: this.id, event: 'join' })
          .catch(() => undefined);
    }
    this.notifyWaiters();
  }

  private emit(event: ClusterEvent, node: ClusterNode): void {
    for (const listener of this.listeners.get(event) ?? []) {
      try {
        listener(node);
      } catch (error) {
        this.logger.error(`A cluster "${event}" listener failed: ${describe(error)}`);
      }
    }
  }

  private notifyWaiters(): void {
    for (const check of [...this.waiters]) check();
  }

  private balancer(
    strategy: Parameters<typeof LoadBalancer.of>[0],
    virtualNodes: number,
  ): LoadBalancer {
    const name = `${strategy}/${virtualNodes}`;
    let balancer = this.balancers.get(name);
    if (!balancer)
      this.balancers.set(name, (balancer = LoadBalancer.of(strategy, { virtualNodes })));
    return balancer;
  }

  private client() {
    return this.redis.get(CLUSTER_REDIS_CONNECTION);
  }

  private nodesKey(): string {
    return this.redis.key('cluster', 'nodes');
  }

  private beatsKey(): string {
    return this.redis.key('cluster', 'beats');
  }
}

function statusOf(node: ClusterNode, now: number, suspectAfterMs: number): NodeStatus {
  if (node.status === 'draining') return 'draining';
  return now - node.heartbeatAt > suspectAfterMs ? 'suspect' : 'up';
}

/** Whether a change is worth an `update` event: anything but load and heartbeat time. */
function changed(before: ClusterNode, after: ClusterNode): boolean {
  return (
    before.status !== after.status ||
    before.host !== after.host ||
    before.port !== after.port ||
    before.weight !== after.weight ||
    before.version !== after.version ||
    before.role !== after.role ||
    before.services.join('\n') !== after.services.join('\n') ||
    before.capabilities.join('\n') !== after.capabilities.join('\n')
  );
}

function publicNode(entry: NodeEntry): ClusterNode {
  const { serviceMeta: _meta, ...node } = entry;
  void _meta;
  return { ...node, capabilities: [...node.capabilities], services: [...node.services] };
}

function parseEntry(json: string): NodeEntry | undefined {
  try {
    const entry = JSON.parse(json) as NodeEntry;
    return entry && typeof entry === 'object' && Array.isArray(entry.services) ? entry : undefined;
  } catch {
    return undefined; // a foreign or corrupt entry: not a member
  }
}

/** The app's version from its package.json (the working directory's), or 0.0.0. */
function appVersion(): string {
  const file = join(process.cwd(), 'package.json');
  try {
    if (existsSync(file)) {
      const version = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
      if (typeof version === 'string' && version) return version;
    }
  } catch {
    // unreadable package.json: the default below
  }
  return '0.0.0';
}

/** The error's message without a final full stop (it goes inside a sentence of ours). */
function describe(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
}
