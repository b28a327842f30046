import { PubSub, type Unsubscribe } from '@lattice/core';
import { SocketManager, type SocketConnectionInfo } from '@lattice/socket';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { defaultCacheOf } from '../cache/default-cache';
import { ComponentRegistry, type RegisteredComponent } from '../component/component.registry';
import {
  currentInstance,
  type LiveContext,
  type StateHolder,
} from '../component/component.service';
import { diffNode, newStatics } from '../diff/diff';
import { render, staticsRegistry } from '../diff/render';
import type { RNode } from '../diff/rendered';
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

class LiveInstance implements StateHolder<unknown> {
  tree: RNode = ['_', ''];
  /** Frames sent on this join, the join's reply included. */
  sent = 0;
  readonly known = new Set<string>();
  topics: string[] = [];
  dirty = false;

  constructor(
    readonly component: RegisteredComponent,
    readonly connection: SocketConnectionInfo,
    readonly topic: string,
    readonly context: LiveContext,
    public state: unknown,
    private readonly onChange: (instance: LiveInstance) => void,
  ) {}

  changed(): void {
    this.dirty = true;
    this.onChange(this);
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
  /** Instances by the topic they follow, so a publish visits only its followers. */
  private readonly followers = new Map<string, Set<LiveInstance>>();
  private subscription: Promise<Unsubscribe | undefined> | undefined;

  constructor(
    private readonly sockets: SocketManager,
    private readonly registry: ComponentRegistry,
    private readonly tokens: SessionTokens,
    private readonly pubsub: PubSub,
    moduleRef: ModuleRef,
  ) {
    let cache: ReturnType<typeof defaultCacheOf> | undefined;
    this.lastRenders = new LastRenders(() =>
      cache === undefined ? (cache = defaultCacheOf(moduleRef)) : cache,
    );
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
    // Mount runs on every join and rejoin, so whatever it checks (access, existence) is checked again.
    const state = await component.instance.mount(claims.p, context);
    const instance = new LiveInstance(component, connection, topic, context, state, (i) =>
      this.schedule(i),
    );
    instance.tree = render(component.instance.render(state));
    this.follow(instance, subscriptionsOf(instance));
    // Joining again on the same connection replaces the instance; the old one must not flush later.
    const previous = this.instances.get(key(connection, topic));
    if (previous) {
      this.dirty.delete(previous);
      this.follow(previous, []);
    }
    this.instances.set(key(connection, topic), instance);
    instance.sent = 1;
    // A rejoin says which statics the page has and how many frames it applied: when that matches
    // the last render this node kept for the session, only the difference goes back.
    if (Array.isArray(known)) {
      for (const id of known.slice(0, 5000)) if (typeof id === 'string') instance.known.add(id);
    }
    const last =
      typeof n === 'number' && n > 0 ? await this.lastRenders.take(claims.sid, n) : undefined;
    const d = last ? (diffNode(last.tree, instance.tree) ?? {}) : instance.tree;
    return { t: newStatics(d, staticsRegistry, instance.known) ?? {}, d };
  }

  /** A session's page went away (closed, or its connection dropped): keep its last render a while. */
  private async left(connection: SocketConnectionInfo, topic: string): Promise<void> {
    const instance = this.instances.get(key(connection, topic));
    if (!instance) return;
    this.instances.delete(key(connection, topic));
    await this.keepLastRender(instance);
  }

  private async keepLastRender(instance: LiveInstance): Promise<void> {
    this.follow(instance, []);
    this.dirty.delete(instance);
    await this.lastRenders.keep(instance.context.session, {
      n: instance.sent,
      tree: instance.tree,
    });
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
    const { e, v } = (payload ?? {}) as { e?: unknown; v?: unknown };
    const component = instance.component;
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
    const handler = (
      component.instance as unknown as Record<string, (...args: unknown[]) => unknown>
    )[binding.method];
    await currentInstance.run(instance, () =>
      handler.call(component.instance, values, instance.state, instance.context),
    );
    // The diff leaves before the reply, so the page shows the result when the event settles.
    this.dirty.delete(instance);
    if (instance.dirty) this.flush(instance);
    return null;
  }

  /** Called for every publish, on every node. */
  private async published(topic: string, payload: unknown): Promise<void> {
    // A copy: a handler's re-render may change who follows what.
    for (const instance of [...(this.followers.get(topic) ?? [])]) {
      const hooks = instance.component.instance as unknown as Partial<OnLivePublish>;
      try {
        await currentInstance.run(instance, () => hooks.onPublish?.(topic, payload));
      } catch (error) {
        this.logger.error(
          `${instance.component.name}.onPublish("${topic}") failed: ${String(error)}`,
        );
      }
    }
  }

  /** Makes `instance` follow exactly `topics` (none, when it leaves). */
  private follow(instance: LiveInstance, topics: string[]): void {
    for (const topic of instance.topics) {
      if (topics.includes(topic)) continue;
      const set = this.followers.get(topic);
      set?.delete(instance);
      if (set?.size === 0) this.followers.delete(topic);
    }
    for (const topic of topics) {
      let set = this.followers.get(topic);
      if (!set) this.followers.set(topic, (set = new Set()));
      set.add(instance);
    }
    instance.topics = topics;
  }

  private schedule(instance: LiveInstance): void {
    this.dirty.add(instance);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = [...this.dirty];
      this.dirty.clear();
      for (const each of batch) this.flush(each);
    });
  }

  /** Renders an instance and sends what changed since the last frame it was sent. */
  private flush(instance: LiveInstance): void {
    if (!this.instances.has(key(instance.connection, instance.topic))) return; // left meanwhile
    if (instance.connection.buffered > SLOW_CLIENT_BYTES) {
      // A slow client gets the latest state when it has caught up, not every step in between.
      setTimeout(() => this.schedule(instance), 50).unref();
      return;
    }
    instance.dirty = false;
    const next = render(instance.component.instance.render(instance.state));
    const diff = diffNode(instance.tree, next);
    instance.tree = next;
    this.follow(instance, subscriptionsOf(instance));
    if (diff === undefined) return;
    const statics = newStatics(diff, staticsRegistry, instance.known);
    instance.connection.push(
      instance.topic,
      'diff',
      statics ? { t: statics, d: diff } : { d: diff },
    );
    instance.sent++;
  }
}

function key(connection: SocketConnectionInfo, topic: string): string {
  return `${connection.id}|${topic}`;
}

function subscriptionsOf(instance: LiveInstance): string[] {
  const hooks = instance.component.instance as unknown as Partial<OnLivePublish>;
  return hooks.subscriptions?.(instance.state) ?? [];
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
