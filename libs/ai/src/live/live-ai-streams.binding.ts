import {
  ComponentRegistry,
  currentInstance,
  type RegisteredComponent,
  type StateBag,
  type WrappableComponent,
} from '@lattice/live';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { AiStream } from '../ai.interfaces';
import { AI_LIVE_SLOT, AI_LIVE_TOPIC_PREFIX } from './ai-live.constants';
import type { AiLiveText } from './ai-live.interfaces';
import { AiLiveMessages } from './ai-live.messages';
import { type AiLiveSlot, LiveAiStreams } from './live-ai-streams';
import { streamIntoBindings, type StreamIntoBinding } from './stream-into.decorator';

/**
 * Connects `@StreamInto()` components to `LiveAiStreams` at bootstrap, as `@OnChannel` is
 * connected: a mount notes the component's slot (page session, component, props) and takes back
 * an answer the slot is streaming or has just finished (a rejoin); the component follows each
 * streaming answer's topic while its state shows it streaming, and each tick replaces the field
 * with the answer's new value. A handler with `@StreamInto()` has the stream it returns started.
 */
@Injectable()
export class LiveAiStreamsBinding implements OnApplicationBootstrap {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly streams: LiveAiStreams,
  ) {}

  onApplicationBootstrap(): void {
    for (const name of this.registry.names()) {
      const component = this.registry.get(name);
      const bindings = streamIntoBindings(component.type);
      if (bindings.length > 0) this.bind(component, bindings);
    }
  }

  private bind(component: RegisteredComponent, bindings: StreamIntoBinding[]): void {
    const instance = component.instance as unknown as WrappableComponent;
    const fields = [...new Set(bindings.map((binding) => binding.field))];
    const streams = this.streams;
    const mount = instance.mount.bind(instance);
    const subscriptions = instance.subscriptions?.bind(instance);
    const onPublish = instance.onPublish?.bind(instance);

    instance.mount = async (props, context) => {
      const own = (await mount(props, context)) as StateBag;
      const slot: AiLiveSlot = {
        key: `${context.session}|${component.name}|${JSON.stringify(props ?? null)}`,
        component: component.name,
        fields,
      };
      const state: StateBag = { ...own, [AI_LIVE_SLOT]: slot };
      for (const field of fields) {
        // A first paint has no session yet: nothing of it can be streaming.
        const run = context.session ? streams.resume(slot.key, field) : undefined;
        if (run) {
          run.seen();
          state[field] = run.value();
        } else if (isStreaming(state[field])) {
          // Saved state (@PersistState) of an answer this node is not streaming: it was cut off.
          state[field] = {
            ...(state[field] as AiLiveText),
            status: 'failed',
            error: 'interrupted',
          };
        }
      }
      return state;
    };

    instance.subscriptions = (state) => {
      const topics = subscriptions?.(state) ?? [];
      for (const field of fields) {
        const value = (state as StateBag | null)?.[field] as AiLiveText | undefined;
        if (!isStreaming(value)) continue;
        topics.push(AI_LIVE_TOPIC_PREFIX + value.id);
        // Following starts when this returns: a change made before (a stream that ended at
        // once, a replay from the cache) is told again then.
        const run = streams.run(value.id);
        if (run && run.value() !== value) setImmediate(() => streams.notify(run));
      }
      return topics;
    };

    instance.onPublish = (topic, payload) => {
      if (!topic.startsWith(AI_LIVE_TOPIC_PREFIX)) return onPublish?.(topic, payload);
      const holder = currentInstance.getStore();
      const run = streams.run(topic.slice(AI_LIVE_TOPIC_PREFIX.length));
      if (!holder || !run) return;
      const state = holder.state as StateBag;
      let next: StateBag | undefined;
      for (const field of fields) {
        const value = state[field] as AiLiveText | undefined;
        if (value?.id !== run.id || value === run.value()) continue;
        (next ??= { ...state })[field] = run.value();
      }
      if (!next) return;
      run.seen();
      holder.state = next;
      holder.changed();
    };

    for (const { field, method } of bindings) {
      if (method === undefined) continue;
      const handler = instance[method] as (...args: unknown[]) => unknown;
      instance[method] = function (this: unknown, ...args: unknown[]) {
        const take = (value: unknown) => {
          if (value === undefined) return;
          if (!isAiStream(value)) throw AiLiveMessages.notAStream(component.name, method, value);
          streams.start(field, value);
        };
        const result = handler.apply(this, args);
        return result instanceof Promise ? result.then(take) : take(result);
      };
    }
  }
}

function isStreaming(value: unknown): value is AiLiveText {
  return (value as AiLiveText | undefined)?.status === 'streaming';
}

function isAiStream(value: unknown): value is AiStream {
  const stream = value as Partial<AiStream> | null;
  return (
    typeof stream === 'object' &&
    stream !== null &&
    typeof stream.cancel === 'function' &&
    typeof stream[Symbol.asyncIterator] === 'function' &&
    stream.response instanceof Promise
  );
}
