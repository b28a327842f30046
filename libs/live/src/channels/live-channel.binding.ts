import { LatticeError } from '@lattice/core';
import { PersistentWebSocketManager, type ChannelMessage } from '@lattice/events';
import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { ComponentRegistry, type RegisteredComponent } from '../component/component.registry';
import {
  currentInstance,
  type StateBag,
  type StateHolder,
  type WrappableComponent,
} from '../component/component.service';
import { LIVE_ON_CHANNEL_METADATA } from '../live.constants';
import { LiveIntegrations } from '../live-integrations';
import { LiveMessages } from '../live.messages';
import { LiveSessions } from '../session/live-sessions';
import type { ChannelEventInfo, OnChannelBinding } from './on-channel.decorator';

/** Where a component's state keeps its channels' positions (a symbol: never rendered or saved). */
const CHANNELS = Symbol('lattice.live.channels');

/** Live sessions' topics of channels: `LiveSessions` routes them to the components that follow. */
const TOPIC_PREFIX = 'lattice.channel:';

/** How far each channel of one mounted component has been applied. */
type Positions = Record<string, { epoch: string; offset: number }>;

/** Tells the component whose positions these are to read what it missed since its mount. */
interface CatchUp {
  catchUp: Positions;
}

/**
 * Connects `@OnChannel` components to @lattice/events at bootstrap: a mount authorizes the
 * visitor for each channel and notes where the channel is, the component then follows the
 * channel's live-session topic, and every event broadcast on the channel (heard on every node
 * through socket's fan-out) runs its handlers, in offset order and once each. Events broadcast
 * while the component mounted are read from the channel's history as soon as it follows.
 */
@Injectable()
export class LiveChannelBinding implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Live');
  private stop: Promise<(() => void) | undefined> | undefined;
  /** Positions already sent a catch-up: `subscriptions()` runs after every render. */
  private readonly caughtUp = new WeakSet<Positions>();
  /** Each component's handling, one event after another (a gap read must not be overtaken). */
  private readonly queues = new WeakMap<Positions, Promise<void>>();
  /** Each mounted component's handlers by channel (its props decided the channels). */
  private readonly routes = new WeakMap<Positions, Map<string, OnChannelBinding[]>>();

  constructor(
    private readonly registry: ComponentRegistry,
    private readonly sessions: LiveSessions,
    integrations: LiveIntegrations,
    /** EventsModule's; its absence is an error only when a component uses @OnChannel. */
    @Optional() private readonly events?: PersistentWebSocketManager,
  ) {
    integrations.add('channels');
  }

  onApplicationBootstrap(): void {
    const bound = this.registry
      .names()
      .map((name) => this.registry.get(name))
      .filter((component) => bindingsOf(component).length > 0);
    if (bound.length === 0) return;
    const events = this.events;
    if (!events) throw LiveMessages.eventsModuleMissing(bound.map((c) => c.type.name));
    for (const component of bound) this.bind(component, bindingsOf(component), events);
    // Not awaited: with Redis unreachable at boot the app must still start.
    this.stop = events
      .listen((channel, message) => void this.sessions.notifyLocal(topicOf(channel), message))
      .catch((error: unknown) => {
        this.logger.warn(`Live components hear no channel events: ${String(error)}`);
        return undefined;
      });
  }

  async onApplicationShutdown(): Promise<void> {
    (await this.stop)?.();
  }

  private bind(
    component: RegisteredComponent,
    bindings: OnChannelBinding[],
    events: PersistentWebSocketManager,
  ): void {
    const instance = component.instance as unknown as WrappableComponent;
    for (const binding of bindings) {
      if (typeof instance[binding.method] !== 'function')
        throw LiveMessages.channelHandlerMissing(component.name, binding.method);
    }
    const mount = instance.mount.bind(instance);
    const subscriptions = instance.subscriptions?.bind(instance);
    const onPublish = instance.onPublish?.bind(instance);

    instance.mount = async (props, context) => {
      const routes = new Map<string, OnChannelBinding[]>();
      for (const binding of bindings) {
        const channel = channelOf(component, binding.channel, props);
        routes.set(channel, [...(routes.get(channel) ?? []), binding]);
      }
      const channels = [...routes.keys()];
      for (const channel of channels) {
        try {
          await events.authorizeSubscriber(context.identity, channel);
        } catch (error) {
          throw refused(component.name, channel, error);
        }
      }
      // Where the channels are before the component reads its data: whatever is broadcast from
      // here on reaches the component, even during its own mount.
      const positions: Positions = await events.positions(channels);
      const own = await mount(props, context);
      this.routes.set(positions, routes);
      return { ...(own as StateBag), [CHANNELS]: positions };
    };

    instance.subscriptions = (state) => {
      const topics = subscriptions?.(state) ?? [];
      const positions = (state as StateBag | null)?.[CHANNELS] as Positions | undefined;
      if (!positions) return topics;
      if (!this.caughtUp.has(positions)) {
        this.caughtUp.add(positions);
        // Following starts when this returns; then read what the mount may have missed.
        const message: CatchUp = { catchUp: positions };
        setImmediate(() => {
          for (const channel of Object.keys(positions))
            void this.sessions.notifyLocal(topicOf(channel), message);
        });
      }
      return [...topics, ...Object.keys(positions).map(topicOf)];
    };

    instance.onPublish = (topic, payload) => {
      const holder = currentInstance.getStore();
      const positions = (holder?.state as StateBag | undefined)?.[CHANNELS] as
        Positions | undefined;
      const channel = topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : '';
      if (!holder || !positions?.[channel]) return onPublish?.(topic, payload);
      const catchUp = (payload as Partial<CatchUp> | null)?.catchUp;
      if (catchUp && catchUp !== positions) return; // another component's catch-up
      const handlers = this.routes.get(positions)?.get(channel) ?? [];
      const run = async () => {
        const at = positions[channel];
        const messages = catchUp
          ? await events.readAfter(channel, at.epoch, at.offset)
          : [payload as ChannelMessage];
        for (const message of messages) {
          if (message.epoch !== at.epoch) {
            // The channel's history was lost (a restart, expiry): its offsets start again.
            at.epoch = message.epoch;
            at.offset = message.offset - 1;
          }
          if (message.offset <= at.offset) continue; // applied already
          if (message.offset > at.offset + 1) {
            // An event is missing (it crossed this one between nodes): read it from history.
            for (const missed of await events.readAfter(channel, at.epoch, at.offset))
              if (missed.offset < message.offset)
                await this.deliver(component, handlers, holder, channel, at, missed);
          }
          await this.deliver(component, handlers, holder, channel, at, message);
        }
      };
      const queued = (this.queues.get(positions) ?? Promise.resolve())
        .then(run)
        .catch((error: unknown) =>
          this.logger.error(`${component.name} failed on channel "${channel}": ${String(error)}`),
        );
      this.queues.set(positions, queued);
      return queued;
    };
  }

  private async deliver(
    component: RegisteredComponent,
    handlers: OnChannelBinding[],
    holder: StateHolder<unknown>,
    channel: string,
    at: { epoch: string; offset: number },
    message: ChannelMessage,
  ): Promise<void> {
    if (message.offset <= at.offset) return;
    at.offset = message.offset;
    const info: ChannelEventInfo = {
      channel,
      event: message.event,
      epoch: message.epoch,
      offset: message.offset,
    };
    const instance = component.instance as unknown as Record<string, Handler>;
    for (const binding of handlers) {
      if (binding.event !== undefined && binding.event !== message.event) continue;
      await currentInstance.run(holder, () =>
        instance[binding.method].call(component.instance, message.data, info),
      );
    }
  }
}

type Handler = (data: unknown, info: ChannelEventInfo) => unknown;

function bindingsOf(component: RegisteredComponent): OnChannelBinding[] {
  return (Reflect.getMetadata(LIVE_ON_CHANNEL_METADATA, component.type) ??
    []) as OnChannelBinding[];
}

function topicOf(channel: string): string {
  return TOPIC_PREFIX + channel;
}

function channelOf(component: RegisteredComponent, template: string, props: unknown): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = (props as Record<string, unknown> | null)?.[name];
    if (value === undefined || value === null || value === '')
      throw LiveMessages.channelPropMissing(component.name, template, name);
    return String(value);
  });
}

/** The events library's refusal, naming the component that asked. */
function refused(component: string, channel: string, error: unknown): unknown {
  if (!(error instanceof LatticeError)) return error;
  return new LatticeError(
    error.code,
    `Live component "${component}" cannot subscribe to channel "${channel}": ${error.message}`,
    error.hint,
    { cause: error },
  );
}
