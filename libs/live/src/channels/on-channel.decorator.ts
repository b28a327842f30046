import { LIVE_ON_CHANNEL_METADATA } from '../live.constants';

/** Where an `@OnChannel` event came from: the channel, the event's name and its offset. */
export interface ChannelEventInfo {
  channel: string;
  event: string;
  epoch: string;
  offset: number;
}

export interface OnChannelBinding {
  /** `question.{id}`: `{name}` is replaced by that prop. */
  channel: string;
  /** The event's name (`broadcastAs()`), or undefined for every event of the channel. */
  event?: string;
  method: string;
}

/**
 * Subscribes a live component to a broadcast channel of @lattice/events: each event broadcast
 * on it, on any node, calls the method with `(data, { channel, event, offset })`; the method
 * changes the state (`this.setState()`, `this.update()`) and the page gets the diff. Placeholders
 * are filled from the component's props. Private and presence channels are authorized with the
 * visitor's identity by their `@ChannelAuth` rule at every mount. Needs `LiveChannelsModule` (from
 * `@lattice/live/channels`) and `EventsModule` imported; without them the app stops at boot.
 *
 * @example
 * @Component({ name: 'answers' })
 * export class Answers extends ComponentService<{ id: number }, { answers: Answer[] }> {
 *   @OnChannel('question.{id}', 'answer.posted')
 *   added(answer: Answer) { this.update((s) => ({ ...s, answers: [...s.answers, answer] })); }
 * }
 */
export function OnChannel(channel: string, event?: string): MethodDecorator {
  return (target, method) => {
    const type = target.constructor;
    const bindings: OnChannelBinding[] = Reflect.getMetadata(LIVE_ON_CHANNEL_METADATA, type) ?? [];
    Reflect.defineMetadata(
      LIVE_ON_CHANNEL_METADATA,
      [...bindings, { channel, event, method: String(method) }],
      type,
    );
  };
}
