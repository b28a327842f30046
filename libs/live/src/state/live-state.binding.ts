import { createHash } from 'node:crypto';
import {
  Injectable,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { StateManager, type StateChange } from '@lattice/state';
import { ComponentRegistry, type RegisteredComponent } from '../component/component.registry';
import {
  currentInstance,
  type StateBag,
  type WrappableComponent,
} from '../component/component.service';
import { LIVE_PERSIST_STATE_METADATA, LIVE_USE_STATE_METADATA } from '../live.constants';
import { LiveIntegrations } from '../live-integrations';
import { LiveMessages } from '../live.messages';
import { LiveSessions } from '../session/live-sessions';
import type { PersistStateOptions, UseStateBinding } from './use-state.decorator';

/** Where a bound component's state remembers its stream (a symbol: never rendered or serialized). */
const BOUND = Symbol('lattice.live.boundStream');
const PERSISTED = Symbol('lattice.live.persistedStream');

const topicOf = (streamId: string) => `state:${streamId}`;

/**
 * Connects `@UseState` and `@PersistState` components to @lattice/state at bootstrap: their
 * mount, topics and handlers are wrapped. Every node hears every stream change through its
 * own StateManager, so changes reach this node's components directly, not through PubSub.
 */
@Injectable()
export class LiveStateBinding implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly stops: Array<() => void> = [];

  constructor(
    private readonly registry: ComponentRegistry,
    private readonly sessions: LiveSessions,
    integrations: LiveIntegrations,
    /** StateModule's; its absence is an error only when a component uses @UseState or @PersistState. */
    @Optional() private readonly stateManager?: StateManager,
  ) {
    integrations.add('state');
  }

  async onApplicationBootstrap(): Promise<void> {
    const components = this.registry.names().map((name) => this.registry.get(name));
    const bound = components.filter((c) => useStateOf(c) || persistOf(c));
    if (bound.length === 0) return;
    const state = this.stateManager;
    if (!state) throw LiveMessages.stateModuleMissing(bound.map((c) => c.type.name));
    const patterns = new Set<string>();
    for (const component of bound) {
      const persist = persistOf(component);
      if (persist) this.persist(component, persist, state);
      const binding = useStateOf(component);
      if (binding) {
        this.bind(component, binding, state);
        patterns.add(binding.stream.replace(/\{[^}]+\}/g, '*'));
      }
    }
    for (const pattern of patterns) {
      this.stops.push(
        await state.subscribe(pattern, (change: StateChange) =>
          this.sessions.notifyLocal(topicOf(change.streamId), change),
        ),
      );
    }
  }

  onApplicationShutdown(): void {
    for (const stop of this.stops.splice(0)) stop();
  }

  private bind(component: RegisteredComponent, binding: UseStateBinding, state: StateManager) {
    const instance = component.instance as unknown as WrappableComponent;
    const mount = instance.mount.bind(instance);
    const subscriptions = instance.subscriptions?.bind(instance);
    const onPublish = instance.onPublish?.bind(instance);
    instance.mount = async (props, context) => {
      const streamId = streamOf(component, binding.stream, props);
      const [own, stream] = await Promise.all([mount(props, context), state.get(streamId)]);
      return {
        ...(own as StateBag),
        [binding.as]: stream.state,
        [BOUND]: { streamId, version: stream.version },
      };
    };
    instance.subscriptions = (current) => {
      const topics = subscriptions?.(current) ?? [];
      const bag = (current ?? {}) as StateBag;
      const at = bag[BOUND] as { streamId: string } | undefined;
      return at ? [...topics, topicOf(at.streamId)] : topics;
    };
    instance.onPublish = (topic, payload) => {
      const holder = currentInstance.getStore();
      const bag = (holder?.state ?? {}) as StateBag;
      const at = bag[BOUND] as { streamId: string; version: number } | undefined;
      if (!holder || !at || topic !== topicOf(at.streamId)) return onPublish?.(topic, payload);
      const change = payload as StateChange;
      if (change.version <= at.version) return;
      holder.state = {
        ...bag,
        [binding.as]: change.state,
        [BOUND]: { streamId: at.streamId, version: change.version },
      };
      holder.changed();
    };
  }

  private persist(
    component: RegisteredComponent,
    options: PersistStateOptions,
    state: StateManager,
  ) {
    const instance = component.instance as unknown as WrappableComponent;
    const mount = instance.mount.bind(instance);
    instance.mount = async (props, context) => {
      const key = options.key
        ? options.key(props as never, context)
        : JSON.stringify(props ?? null);
      const digest = createHash('sha256')
        .update(`${component.name}\n${String(key)}`)
        .digest('base64url')
        .slice(0, 32);
      const streamId = `live:${digest}`;
      const saved = await state.get(streamId);
      const resumed = saved.version > 0 ? saved.state : await mount(props, context);
      return { ...(resumed as StateBag), [PERSISTED]: streamId };
    };
    // After each handler, the state is saved if the handler changed it.
    for (const binding of component.events.values()) {
      const handler = instance[binding.method] as (...args: unknown[]) => unknown;
      instance[binding.method] = async (...args: unknown[]) => {
        const before = JSON.stringify(currentInstance.getStore()?.state ?? null);
        const result = await handler.apply(instance, args);
        const holder = currentInstance.getStore();
        const streamId = (holder?.state as StateBag | undefined)?.[PERSISTED] as string | undefined;
        const after = JSON.stringify(holder?.state ?? null);
        if (streamId && after !== before)
          await state.dispatch(streamId, { type: 'saved', payload: JSON.parse(after) as unknown });
        return result;
      };
    }
  }
}

function useStateOf(component: RegisteredComponent): UseStateBinding | undefined {
  return Reflect.getMetadata(LIVE_USE_STATE_METADATA, component.type) as
    UseStateBinding | undefined;
}

function persistOf(component: RegisteredComponent): PersistStateOptions | undefined {
  return Reflect.getMetadata(LIVE_PERSIST_STATE_METADATA, component.type) as
    PersistStateOptions | undefined;
}

function streamOf(component: RegisteredComponent, template: string, props: unknown): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = (props as Record<string, unknown> | null)?.[name];
    if (value === undefined || value === null || value === '')
      throw LiveMessages.streamPropMissing(component.name, template, name);
    return String(value);
  });
}
