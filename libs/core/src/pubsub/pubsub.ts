import { LatticeMessages } from '../lattice.messages';

/** Where a message came from. */
export interface PubSubMeta {
  topic: string;
  /** The node id of the publisher (see `PubSub.nodeId`). */
  origin: string;
  /** True when this node published it (useful to skip your own cache invalidations). */
  local: boolean;
}

export type PubSubHandler<T = unknown> = (message: T, meta: PubSubMeta) => void | Promise<void>;

/** Removes the subscription; resolves once the transport has stopped delivering. */
export type Unsubscribe = () => Promise<void>;

const TOPIC = /^[\w.:-]{1,200}$/;

/**
 * Publish/subscribe on named topics: in-process by default, Redis pub/sub when REDIS_URL
 * is set. This is the one cross-node fan-out primitive; libraries use it instead of
 * opening their own channels. Messages are JSON data; delivery is at-most-once, in
 * publish order per publisher, and asynchronous (never inside `publish()`).
 *
 * Inject it by class: `constructor(private readonly pubsub: PubSub) {}`.
 */
export abstract class PubSub {
  /** This process's id, carried with every message it publishes. */
  abstract readonly nodeId: string;

  /** Which transport carries messages. */
  abstract readonly driver: 'memory' | 'redis';

  abstract publish<T>(topic: string, message: T): Promise<void>;

  /** Resolves once the subscription is active, so a publish after it is received. */
  abstract subscribe<T>(topic: string, handler: PubSubHandler<T>): Promise<Unsubscribe>;

  protected static checkTopic(topic: string): void {
    if (typeof topic !== 'string' || !TOPIC.test(topic))
      throw LatticeMessages.pubSubTopicInvalid(topic);
  }

  /** The message as JSON, or a clear error if it is not JSON data. */
  protected static serialize(topic: string, message: unknown): string {
    let data: string | undefined;
    try {
      data = JSON.stringify(message);
    } catch (cause) {
      throw LatticeMessages.pubSubMessageNotSerializable(topic, cause);
    }
    if (data === undefined)
      throw LatticeMessages.pubSubMessageNotSerializable(topic, 'undefined is not JSON');
    return data;
  }
}
