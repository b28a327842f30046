import { randomUUID } from 'node:crypto';
import { currentInstance, LiveSessions, type StateBag } from '@lattice/live';
import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { AiStream } from '../ai.interfaces';
import { AI_LIVE_OPTIONS, AI_LIVE_SLOT, AI_LIVE_TOPIC_PREFIX } from './ai-live.constants';
import type { AiLiveModuleOptions, AiLiveText } from './ai-live.interfaces';
import { AiLiveMessages } from './ai-live.messages';
import { LiveAiStreamRun } from './live-ai-stream.run';

/** Where a mounted component's answers live: its page session, the component and its props. */
export interface AiLiveSlot {
  key: string;
  component: string;
  fields: readonly string[];
}

/**
 * Streams AI answers into live components. From a handler of a component with `@StreamInto()`,
 * `start(field, stream)` puts the answer in the field and returns at once; the page then
 * receives the text a piece per tick (only the new text), and a page that rejoins after a
 * dropped connection gets the text so far and follows on. `cancel(field)` stops it and aborts
 * the provider's request. Answers are kept on the node that streams them.
 */
@Injectable()
export class LiveAiStreams implements OnApplicationShutdown {
  private readonly logger = new Logger('AI');
  private readonly options: Required<AiLiveModuleOptions>;
  /** The latest answer of each slot's field (`<slot>|<field>`), kept a while after it ends. */
  private readonly slots = new Map<string, LiveAiStreamRun>();
  private readonly runs = new Map<string, LiveAiStreamRun>();
  private readonly expiries = new Set<NodeJS.Timeout>();

  constructor(
    private readonly sessions: LiveSessions,
    @Inject(AI_LIVE_OPTIONS) options: AiLiveModuleOptions,
  ) {
    this.options = { tickMs: 40, abandonAfterMs: 60_000, keepMs: 300_000, ...options };
  }

  /**
   * Streams `stream` into `field` of the component whose handler is running, replacing (and
   * cancelling) the answer it held. Returns the field's new value, already in the state.
   */
  start(field: string, stream: AiStream): AiLiveText {
    const { holder, slot } = this.current('start', field);
    const key = `${slot.key}|${field}`;
    this.slots.get(key)?.cancel('replaced by a new answer');
    const run = new LiveAiStreamRun(randomUUID(), stream, this.options, (changed) =>
      this.changed(changed),
    );
    this.slots.set(key, run);
    this.runs.set(run.id, run);
    void run.finished.then(() => this.expire(key, run));
    holder.state = { ...(holder.state as StateBag), [field]: run.value() };
    holder.changed();
    return run.value();
  }

  /**
   * Cancels the answer streaming into `field` of the component whose handler is running: the
   * provider's request is aborted and the text so far stays. False when none was streaming.
   */
  cancel(field: string, reason = 'cancelled from the page'): boolean {
    const { slot } = this.current('cancel', field);
    const run = this.slots.get(`${slot.key}|${field}`);
    if (!run?.streaming) return false;
    run.cancel(reason);
    return true;
  }

  /** Answers streaming now on this node. */
  get active(): number {
    let count = 0;
    for (const run of this.runs.values()) if (run.streaming) count++;
    return count;
  }

  /** Waits for every answer streaming now to end (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.runs.values()].map((run) => run.finished));
  }

  /** The latest answer of a slot's field, for a component that mounts again (a rejoin). */
  resume(slot: string, field: string): LiveAiStreamRun | undefined {
    return this.slots.get(`${slot}|${field}`);
  }

  run(id: string): LiveAiStreamRun | undefined {
    return this.runs.get(id);
  }

  /** Tells the components that show `run` (on this node's pages) to take its new value. */
  notify(run: LiveAiStreamRun): void {
    this.sessions.notifyLocal(AI_LIVE_TOPIC_PREFIX + run.id, run.id).catch((error: unknown) => {
      this.logger.error(`Streaming answer ${run.id} into its page failed: ${String(error)}`);
    });
  }

  onApplicationShutdown(): void {
    for (const run of this.runs.values()) run.cancel('the server is shutting down');
    for (const timer of this.expiries) clearTimeout(timer);
    this.expiries.clear();
  }

  private changed(run: LiveAiStreamRun): void {
    this.notify(run);
  }

  private expire(key: string, run: LiveAiStreamRun): void {
    const timer = setTimeout(() => {
      this.expiries.delete(timer);
      this.runs.delete(run.id);
      if (this.slots.get(key) === run) this.slots.delete(key);
    }, this.options.keepMs);
    timer.unref();
    this.expiries.add(timer);
  }

  private current(what: string, field: string) {
    const holder = currentInstance.getStore();
    if (!holder) throw AiLiveMessages.outsideEvent(what);
    const slot = (holder.state as StateBag | null)?.[AI_LIVE_SLOT] as AiLiveSlot | undefined;
    if (!slot?.fields.includes(field)) {
      const name = (holder as { component?: { name?: string } }).component?.name ?? 'unknown';
      throw AiLiveMessages.notBound(slot?.component ?? name, field);
    }
    return { holder, slot };
  }
}
