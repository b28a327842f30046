import { Logger } from '@nestjs/common';
import { HandlerSet } from './handler-set';
import { PubSub, PubSubHandler, Unsubscribe } from './pubsub';

/** In-process PubSub: the embedded default. Messages go through JSON so they behave as on Redis. */
export class MemoryPubSub extends PubSub {
  readonly driver = 'memory' as const;
  private readonly handlers = new HandlerSet(new Logger('PubSub'));

  constructor(readonly nodeId: string) {
    super();
  }

  async publish<T>(topic: string, message: T): Promise<void> {
    PubSub.checkTopic(topic);
    const data = PubSub.serialize(topic, message);
    // Deliver on a later tick, as a network transport would, and as a copy made through JSON.
    setImmediate(() => {
      if (this.handlers.has(topic))
        this.handlers.deliver(JSON.parse(data), { topic, origin: this.nodeId, local: true });
    });
  }

  async subscribe<T>(topic: string, handler: PubSubHandler<T>): Promise<Unsubscribe> {
    PubSub.checkTopic(topic);
    this.handlers.add(topic, handler as PubSubHandler);
    return async () => {
      this.handlers.remove(topic, handler as PubSubHandler);
    };
  }
}
