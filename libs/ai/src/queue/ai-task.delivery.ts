import { PubSub } from '@lattice/core';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AiQueueMessages } from './ai-queue.messages';

type LivePackage = typeof import('@lattice/live');
type EventsPackage = typeof import('@lattice/events');

/**
 * Takes a task's updates to where the enqueue asked: a live topic (through `LiveUpdates`, so
 * every node's components hear it) and a broadcast channel of @lattice/events. Both packages are
 * optional peers, loaded on first use: an app that delivers nowhere needs neither.
 */
@Injectable()
export class AiTaskDelivery {
  private liveUpdates: { publish(topic: string, payload: unknown): Promise<void> } | undefined;
  private channels:
    { publish(channel: string, event: string, data: unknown): Promise<unknown> } | undefined;

  constructor(
    private readonly pubsub: PubSub,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Throws now, at enqueue, when a target's package is not installed. */
  check(options: { topic?: string; channel?: string }): void {
    if (options.topic !== undefined) load<LivePackage>('@lattice/live', 'update live components');
    if (options.channel !== undefined)
      load<EventsPackage>('@lattice/events', `broadcast on channel "${options.channel}"`);
  }

  async live(topic: string, update: unknown): Promise<void> {
    if (!this.liveUpdates) {
      // LiveUpdates is PubSub with live's topic: a worker process without LiveModule can publish.
      const { LiveUpdates } = load<LivePackage>('@lattice/live', 'update live components');
      this.liveUpdates = new LiveUpdates(this.pubsub);
    }
    await this.liveUpdates.publish(topic, update);
  }

  async channel(channel: string, event: string, data: unknown): Promise<void> {
    if (!this.channels) {
      const events = load<EventsPackage>('@lattice/events', `broadcast on channel "${channel}"`);
      try {
        // EventsModule's, wherever it is imported: @Optional() would need the class at load time.
        this.channels = this.moduleRef.get(events.PersistentWebSocketManager, { strict: false });
      } catch {
        throw AiQueueMessages.eventsModuleMissing(channel);
      }
    }
    await this.channels!.publish(channel, event, data);
  }
}

function load<T>(pkg: string, what: string): T {
  try {
    // An optional peer: loaded only when a task delivers there.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(pkg) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String(error).includes(pkg))
      throw AiQueueMessages.packageMissing(pkg, what);
    throw error;
  }
}
