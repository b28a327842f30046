import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisConnections } from '../redis/redis-connections';
import { HandlerSet } from './handler-set';
import { PubSub, PubSubHandler, Unsubscribe } from './pubsub';

/** The dedicated connection a subscriber needs (a subscribed Redis client cannot run other commands). */
export const PUBSUB_SUBSCRIBER_CONNECTION = 'pubsub-subscriber';

/**
 * Redis pub/sub: publishes on the shared connection, listens on a dedicated subscriber
 * connection, one Redis channel per topic (prefixed with REDIS_KEY_PREFIX). ioredis
 * re-subscribes by itself after a reconnect; messages sent while disconnected are lost,
 * as Redis pub/sub is at-most-once (event history, with offsets, is the events library's job).
 */
export class RedisPubSub extends PubSub implements OnApplicationShutdown {
  readonly driver = 'redis' as const;
  private readonly logger = new Logger('PubSub');
  private readonly handlers = new HandlerSet(this.logger);
  private subscriber: Redis | undefined;
  /** Publishes made while the connection was not ready, chained so none overtakes another. */
  private inOrder: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(
    readonly nodeId: string,
    private readonly redis: RedisConnections,
  ) {
    super();
  }

  async publish<T>(topic: string, message: T): Promise<void> {
    PubSub.checkTopic(topic);
    const envelope = `{"o":${JSON.stringify(this.nodeId)},"d":${PubSub.serialize(topic, message)}}`;
    const client = this.redis.get();
    const send = () => client.publish(this.redis.key('pubsub', topic), envelope);
    // ioredis queues commands given before the connection is ready and writes later ones
    // straight away once it is, so a publish made just after the connection came up could
    // overtake one made just before. Until the connection is ready and nothing is waiting,
    // publishes wait for each other, in order.
    if (client.status === 'ready' && this.waiting === 0) {
      await send();
      return;
    }
    this.waiting++;
    const sent = this.inOrder.then(send, send);
    this.inOrder = sent.catch(() => undefined);
    try {
      await sent;
    } finally {
      this.waiting--;
    }
  }

  async subscribe<T>(topic: string, handler: PubSubHandler<T>): Promise<Unsubscribe> {
    PubSub.checkTopic(topic);
    const subscriber = this.connect();
    const channel = this.redis.key('pubsub', topic);
    if (this.handlers.add(topic, handler as PubSubHandler)) {
      const subscribed = subscriber.subscribe(channel);
      subscribed.catch((error: unknown) =>
        this.logger.warn(`Subscribing to "${topic}" failed: ${String(error)}`),
      );
      // While Redis is away the SUBSCRIBE waits for the reconnection; the caller (a page being
      // rendered, say) waits no longer than a command would, and not at all during a known
      // outage: the handler is in place and messages flow once Redis is back.
      if (this.redis.outages().size === 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          subscribed,
          new Promise((resolve) => (timer = setTimeout(resolve, this.redis.commandTimeoutMs))),
        ]);
        clearTimeout(timer);
      }
    }
    return async () => {
      if (this.handlers.remove(topic, handler as PubSubHandler) && subscriber.status === 'ready') {
        await subscriber.unsubscribe(channel);
      }
    };
  }

  async onApplicationShutdown(): Promise<void> {
    // The connection itself is closed by RedisConnections.
    this.handlers.clear();
  }

  private connect(): Redis {
    if (this.subscriber) return this.subscriber;
    // A subscriber waits for messages: no command deadline, and it resubscribes after a reconnection.
    const subscriber = this.redis.get(PUBSUB_SUBSCRIBER_CONNECTION, { maxRetriesPerRequest: null });
    const prefix = this.redis.key('pubsub', '');
    subscriber.on('message', (channel: string, raw: string) => {
      if (!channel.startsWith(prefix)) return;
      let envelope: { o: string; d: unknown };
      try {
        envelope = JSON.parse(raw) as { o: string; d: unknown };
      } catch {
        this.logger.warn(`Ignored a message on ${channel} that is not Lattice JSON.`);
        return;
      }
      const topic = channel.slice(prefix.length);
      this.handlers.deliver(envelope.d, {
        topic,
        origin: envelope.o,
        local: envelope.o === this.nodeId,
      });
    });
    return (this.subscriber = subscriber);
  }
}
