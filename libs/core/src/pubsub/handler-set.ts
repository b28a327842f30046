import { Logger } from '@nestjs/common';
import type { PubSubHandler, PubSubMeta } from './pubsub';

/** Handlers per topic, called one by one so a failing handler never stops the others. */
export class HandlerSet {
  private readonly byTopic = new Map<string, Set<PubSubHandler>>();

  constructor(private readonly logger: Logger) {}

  /** Returns true when this is the topic's first handler. */
  add(topic: string, handler: PubSubHandler): boolean {
    let handlers = this.byTopic.get(topic);
    const first = !handlers;
    if (!handlers) this.byTopic.set(topic, (handlers = new Set()));
    handlers.add(handler);
    return first;
  }

  /** Returns true when the topic has no handlers left. */
  remove(topic: string, handler: PubSubHandler): boolean {
    const handlers = this.byTopic.get(topic);
    if (!handlers?.delete(handler)) return false;
    if (handlers.size > 0) return false;
    this.byTopic.delete(topic);
    return true;
  }

  has(topic: string): boolean {
    return this.byTopic.has(topic);
  }

  clear(): void {
    this.byTopic.clear();
  }

  deliver(message: unknown, meta: PubSubMeta): void {
    const handlers = this.byTopic.get(meta.topic);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        const result = handler(message, meta);
        if (result instanceof Promise)
          result.catch((error: unknown) => this.report(meta.topic, error));
      } catch (error) {
        this.report(meta.topic, error);
      }
    }
  }

  private report(topic: string, error: unknown): void {
    this.logger.error(
      `A subscriber of "${topic}" failed: ${error instanceof Error ? error.message : String(error)}`,
      error instanceof Error ? error.stack : undefined,
    );
  }
}
