import { LatticeGauges, PubSub, type Unsubscribe } from '@lattice/core';
import { SocketManager, type SocketConnectionInfo } from '@lattice/socket';
import type { LatticeCache } from '@lattice/cache';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { ComponentTree, LiveUnit } from '../component/component-tree';
import { ComponentRegistry } from '../component/component.registry';
import { currentInstance, type LiveContext } from '../component/component.service';
import { diffComponents, diffNode, newStatics } from '../diff/diff';
import { staticsRegistry } from '../diff/render';
import type { ComponentsDiff, NodeDiff, RComponents, RNode, StaticsTable } from '../diff/rendered';
import { DEFAULT_CACHE_TOKEN } from '../live.constants';
import { LiveMessages } from '../live.messages';
import { LastRenders } from './last-renders';
import { SessionTokens } from './session-token';

/** The socket topic prefix of live pages: `lv:<session id>`. */
export const LIVE_TOPIC_PREFIX = 'lv:';
/** The PubSub topic that carries `LiveUpdates.publish()` to every node. */
export const LIVE_PUBLISH_TOPIC = 'lattice.live.publish';
/** A connection with more than this many bytes unsent gets the latest state later, not every step. */
const SLOW_CLIENT_BYTES = 1_000_000;

/** Optional hooks a component implements to follow published updates. */
export interface OnLivePublish<S = unknown> {
  /** Topics this instance listens to, given its state (re-read after each render). */
  subscriptions(state: S): string[];
  /** Called for each `LiveUpdates.publish(topic, payload)` on one of them; change state here. */
  onPublish(topic: string, payload: unknown): void | Promise<void>;
}

/** One joined page: its component tree, and what its connection has been sent. */
class LiveInstance {
  readonly tree: ComponentTree;
  /** The root node and child components as last sent. */
  sentNode: RNode = ['_', ''];
  sentComponents: RComponents = {};
  /** Frames sent on this join, the join's reply included. */
  sent = 0;
  readonly known = new Set<string>();
  /** Units whose state changed since the last frame. */
  readonly dirty = new Set<LiveUnit>();
  /** The flush in progress: flushes of one page run one after another (children mount async). */
  flushing: Promise<void> = Promise.resolve();

  constructor(
    registry: ComponentRegistry,
    readonly connection: SocketConnectionInfo,
    readonly topic: string,
    readonly context: LiveContext,
    onChange: (instance: LiveInstance, unit: LiveUnit) => void,
    onRemove: (unit: LiveUnit) => void,
  ) {
    this.tree = new ComponentTree(registry, context, (unit) => onChange(this, unit), onRemove);
  }

  get name(): string {
    return this.tree.root.component.name;
  }
}

/**
 * Live sessions on the socket: a page joins `lv:<sid>` with its signed token; the component is
 * mounted, rendered, and from then on every state change is sent as a diff. Changes made in the
 * same tick are coalesced into one frame per instance.
 */
@Injectable()
export class LiveSessions
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Live');
  private readonly instances = new Map<string, LiveInstance>();
  private readonly dirty = new Set<LiveInstance>();
  private flushScheduled = false;
  private readonly lastRenders: LastRenders;
  /** Components (of every page) by the topic they follow, so a publish visits only its followers. */
  private readonly followers = new Map<string, Set<LiveUnit>>();
  private subscription: Promise<Unsubscribe | undefined> | undefined;

  constructor(
    private readonly sockets: SocketManager,
    private readonly registry: ComponentRegistry,
    private readonly tokens: SessionTokens,
    private readonly pubsub: PubSub,
    /** CacheModule's default store, when imported: last renders are then shared by every node. */
    @Optional() @Inject(DEFAULT_CACHE_TOKEN) cache?: LatticeCache,
    /** Core's gauges (LatticeModule is global); cluster membership and metrics read them. */
    @Optional() gauges?: LatticeGauges,
  ) {
    this.lastRenders = new LastRenders(cache ?? null);
    gauges?.register({
      name: 'lattice_live_sessions',
      help: 'Live component sessions open on this node',
      read: () => this.instances.size,
    });
  }

  async onModuleInit(): Promise<void> {
    this.sockets.handle(`${LIVE_TOPIC_PREFIX}*`, {
      join: (connection, topic, payload) => this.join(connection, topic, payload),
      message: (connection, topic, event, payload) => this.event(connection, topic, event, payload),
      leave: (connection, topic) => this.left(connection, topic),
    });
    // Not awaited: with Redis unreachable at boot the app must still start.
    this.subscription = this.pubsub
      .subscribe<{ topic: string; payload: unknown }>(LIVE_PUBLISH_TOPIC, (message) =>
        this.published(message.topic, message.payload),
      )
      .catch((error: unknown) => {
        this.logger.warn(`Live publishes from other nodes are off: ${String(error)}`);
        return undefined;
      });
  }

  /**
   * Keeps every open page's last render before the connections close (the cache is still open
   * here), so pages that reconnect to another node during a deploy get only the difference.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const open = [...this.instances.values()];
    this.instances.clear();
    await Promise.all(open.map((instance) => this.keepLastRender(instance)));
  }

  onApplicationShutdown(): void {
    void this.subscription?.then((unsubscribe) => unsubscribe?.());
  }

  /** Live instances on this node (for tests and metrics). */
  get size(): number {
    return this.instances.size;
  }

  private async join(connection: SocketConnectionInfo, topic: string, payload: unknown) {
    const { token, n, known } = (payload ?? {}) as {
      token?: unknown;
      n?: unknown;
      known?: unknown;
    };
    const claims = this.tokens.verify(token);
    if (`${LIVE_TOPIC_PREFIX}${claims.sid}` !== topic)
      throw LiveMessages.tokenInvalid('it belongs to another page');
    const component = this.registry.get(claims.c);
    const context: LiveContext = { identity: connection.identity, session: claims.sid };
    const instance = new LiveInstance(
      this.registry,
      connection,
      topic,
      context,
      (page, unit) => this.schedule(page, unit),
      (unit) => this.follow(unit, []),
    );
    // Mount runs on every join and rejoin, so whatever it checks (access, existence) is checked again.
    await instance.tree.mount(component, claims.p);
    for (const unit of instance.tree.all()) this.follow(unit, subscriptionsOf(unit));
    // Joining again on the same connection replaces the instance; the old one must not flush later.
    const previous = this.instances.get(key(connection, topic));
    if (previous) this.drop(previous);
    this.instances.set(key(connection, topic), instance);
    instance.sent = 1;
    // A rejoin says which statics the page has and how many frames it applied: when that matches
    // the last render kept for the session, only the difference goes back.
    if (Array.isArray(known)) {
      for (const id of known.slice(0, 5000)) if (typeof id === 'string') instance.known.add(id);
    }
    const last =
      typeof n === 'number' && n > 0 ? await this.lastRenders.take(claims.sid, n) : undefined;
    const components = instance.tree.components();
    const d = last ? (diffNode(last.tree, instance.tree.root.node) ?? {}) : instance.tree.root.node;
    const c = last ? diffComponents(last.components ?? {}, components) : components;
    instance.sentNode = instance.tree.root.node;
    instance.sentComponents = components;
    return frameOf(instance, d, c && Object.keys(c).length ? c : undefined, true);
  }

  /** A session's page went away (closed, or its connection dropped): keep its last render a while. */
  private async left(connection: SocketConnectionInfo, topic: string): Promise<void> {
    const instance = this.instances.get(key(connection, topic));
    if (!instance) return;
    this.instances.delete(key(connection, topic));
    await this.keepLastRender(instance);
  }

  private async keepLastRender(instance: LiveInstance): Promise<void> {
    this.drop(instance);
    await this.lastRenders.keep(instance.context.session, {
      n: instance.sent,
      tree: instance.sentNode,
      components: instance.sentComponents,
    });
  }

  /** The instance stops following topics and flushing. */
  private drop(instance: LiveInstance): void {
    this.dirty.delete(instance);
    for (const unit of instance.tree.all()) this.follow(unit, []);
  }

  private async event(
    connection: SocketConnectionInfo,
    topic: string,
    event: string,
    payload: unknown,
  ) {
    if (event !== 'event') throw LiveMessages.eventUnknown(topic, event, ['event']);
    const instance = this.instances.get(key(connection, topic));
    if (!instance) throw LiveMessages.tokenInvalid('the session is not joined');
    const { e, v, c } = (payload ?? {}) as { e?: unknown; v?: unknown; c?: unknown };
    // Events from inside a child component carry its id and go to it.
    const unit = c === undefined ? instance.tree.root : instance.tree.units.get(Number(c));
    if (!unit) throw LiveMessages.childGone(instance.name, c);
    const component = unit.component;
    const binding = typeof e === 'string' ? component.events.get(e) : undefined;
    if (!binding)
      throw LiveMessages.eventUnknown(component.name, String(e), [...component.events.keys()]);
    let values: unknown = v ?? {};
    if (binding.schema) {
      const parsed = binding.schema.safeParse(values);
      if (!parsed.success) {
        throw LiveMessages.eventInvalid(
          component.name,
          binding.event,
          parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`),
        );
      }
      values = parsed.data;
    }
    // @Roles() and @Can() on the handler, with the session's identity; a refusal changes nothing.
    await this.registry.authorize(component, binding, values, instance.context);
    const handler = (
      component.instance as unknown as Record<string, (...args: unknown[]) => unknown>
    )[binding.method];
    await currentInstance.run(unit, () =>
      handler.call(component.instance, values, unit.state, instance.context),
    );
    // The diff leaves before the reply, so the page shows the result when the event settles.
    this.dirty.delete(instance);
    if (instance.dirty.size) await this.flush(instance);
    return null;
  }

  /**
   * Tells this node's components that follow `topic`, without PubSub: for sources every node
   * hears on its own (state stream changes). `LiveUpdates.publish` reaches every node.
   */
  notifyLocal(topic: string, payload: unknown): Promise<void> {
    return this.published(topic, payload);
  }

  /** Called for every publish, on every node. */
  private async published(topic: string, payload: unknown): Promise<void> {
    // A copy: a handler's re-render may change who follows what.
    for (const unit of [...(this.followers.get(topic) ?? [])]) {
      const hooks = unit.component.instance as unknown as Partial<OnLivePublish>;
      try {
        await currentInstance.run(unit, () => hooks.onPublish?.(topic, payload));
      } catch (error) {
        this.logger.error(`${unit.component.name}.onPublish("${topic}") failed: ${String(error)}`);
      }
    }
  }

  /** Makes `unit` follow exactly `topics` (none, when it leaves). */
  private follow(unit: LiveUnit, topics: string[]): void {
    for (const topic of unit.topics) {
      if (topics.includes(topic)) continue;
      const set = this.followers.get(topic);
      set?.delete(unit);
      if (set?.size === 0) this.followers.delete(topic);
    }
    for (const topic of topics) {
      let set = this.followers.get(topic);
      if (!set) this.followers.set(topic, (set = new Set()));
      set.add(unit);
    }
    unit.topics = topics;
  }

  private schedule(instance: LiveInstance, unit: LiveUnit): void {
    instance.dirty.add(unit);
    this.dirty.add(instance);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = [...this.dirty];
      this.dirty.clear();
      for (const each of batch) void this.flush(each);
    });
  }

  /** Renders the changed components of a page and sends what changed since its last frame. */
  private flush(instance: LiveInstance): Promise<void> {
    instance.flushing = instance.flushing
      .then(() => this.flushNow(instance))
      .catch((error: unknown) =>
        this.logger.error(`Rendering live page ${instance.name} failed: ${String(error)}`),
      );
    return instance.flushing;
  }

  private async flushNow(instance: LiveInstance): Promise<void> {
    if (this.instances.get(key(instance.connection, instance.topic)) !== instance) return; // left
    if (instance.dirty.size === 0) return;
    if (instance.connection.buffered > SLOW_CLIENT_BYTES) {
      // A slow client gets the latest state when it has caught up, not every step in between.
      setTimeout(() => {
        const unit = instance.dirty.values().next().value;
        if (unit) this.schedule(instance, unit);
      }, 50).unref();
      return;
    }
    const tree = instance.tree;
    // The root first: its render may drop children, or re-render them with new props.
    const units = [...instance.dirty].sort((a, b) => a.cid - b.cid);
    instance.dirty.clear();
    for (const unit of units) {
      if (unit.cid !== 0 && !tree.units.has(unit.cid)) continue; // removed by its parent
      if (unit.dirty) await tree.render(unit); // false when its parent re-rendered it already
    }
    for (const unit of tree.all()) this.follow(unit, subscriptionsOf(unit));
    const components = tree.components();
    const d = diffNode(instance.sentNode, tree.root.node);
    const c = diffComponents(instance.sentComponents, components);
    instance.sentNode = tree.root.node;
    instance.sentComponents = components;
    if (d === undefined && c === undefined) return;
    instance.connection.push(instance.topic, 'diff', frameOf(instance, d, c, false));
    instance.sent++;
  }
}

/** A frame: new statics, the root's diff (or tree), and the child components' changes. */
function frameOf(
  instance: LiveInstance,
  d: NodeDiff | RNode | undefined,
  c: ComponentsDiff | RComponents | undefined,
  join: boolean,
): { t?: StaticsTable; d?: NodeDiff | RNode; c?: ComponentsDiff } {
  let t = d === undefined ? undefined : newStatics(d, staticsRegistry, instance.known);
  const ct = c && newStatics(c, staticsRegistry, instance.known);
  if (ct) t = { ...t, ...ct };
  const frame: { t?: StaticsTable; d?: NodeDiff | RNode; c?: ComponentsDiff } = {};
  // A join's reply always has `t` and `d` (the runtime counts on them).
  if (t || join) frame.t = t ?? {};
  if (d !== undefined || join) frame.d = d ?? {};
  if (c) frame.c = c;
  return frame;
}

function key(connection: SocketConnectionInfo, topic: string): string {
  return `${connection.id}|${topic}`;
}

function subscriptionsOf(unit: LiveUnit): string[] {
  const hooks = unit.component.instance as unknown as Partial<OnLivePublish>;
  return hooks.subscriptions?.(unit.state) ?? [];
}

/** Server push: changes live components from anywhere (a job, a listener, another node). */
@Injectable()
export class LiveUpdates {
  constructor(private readonly pubsub: PubSub) {}

  /** Every live instance subscribed to `topic`, on every node, gets `onPublish(topic, payload)`. */
  publish(topic: string, payload: unknown): Promise<void> {
    return this.pubsub.publish(LIVE_PUBLISH_TOPIC, { topic, payload });
  }
}
