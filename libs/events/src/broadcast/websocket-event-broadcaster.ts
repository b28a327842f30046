import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventDispatcher } from '../dispatch/event-dispatcher';
import { eventNameOf } from '../event-name';
import { isBroadcastable, type BroadcastableEvent } from './broadcastable-event';
import { PersistentWebSocketManager, type ChannelMessage } from './persistent-websocket-manager';

/**
 * Sends `BroadcastableEvent`s to the browsers subscribed to their channels, on this node and
 * every other (history first, then socket's broadcast through core's PubSub). Every dispatched
 * event that is broadcastable goes through here; call `broadcast()` to send one without
 * dispatching it.
 */
@Injectable()
export class WebSocketEventBroadcaster implements OnModuleInit {
  constructor(
    private readonly channels: PersistentWebSocketManager,
    private readonly dispatcher: EventDispatcher,
  ) {}

  onModuleInit(): void {
    // Last of all listeners, so the others have acted on the event before browsers hear of it.
    this.dispatcher.on(
      '**',
      (event: unknown) => (isBroadcastable(event) ? this.broadcast(event) : undefined),
      {
        name: 'WebSocketEventBroadcaster',
        priority: -1_000_000,
      },
    );
  }

  /** Broadcasts on each of the event's channels; resolves with what each channel numbered it. */
  async broadcast(event: BroadcastableEvent): Promise<ChannelMessage[]> {
    const on = event.broadcastOn();
    const name = event.broadcastAs?.() ?? eventNameOf(event);
    const data = event.broadcastWith ? event.broadcastWith() : { ...event };
    const messages: ChannelMessage[] = [];
    for (const channel of Array.isArray(on) ? on : [on]) {
      messages.push(await this.channels.publish(channel, name, data));
    }
    return messages;
  }
}
