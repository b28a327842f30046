// The browser side of event channels, on socket's SocketClient: one WebSocket per page, shared
// with live components. Imports nothing at runtime from the server libraries.
import type { Channel, SocketClient, SocketState } from '@lattice/socket/client';

/** Where a channel is: its epoch and an offset. */
export interface ChannelPosition {
  epoch: string;
  offset: number;
}

/** An event on a channel. */
export interface ChannelMessage {
  epoch: string;
  offset: number;
  event: string;
  data: unknown;
}

/** A member of a presence channel (one per connection; `id` is the user's). */
export interface PresenceMember {
  key: string;
  id: string | null;
  info: unknown;
}

/** What the server answered to a (re)subscribe. */
export interface SubscribeResult {
  channel: string;
  epoch: string;
  offset: number;
  /** True when everything missed since the last offset is being replayed. */
  recovered: boolean;
  /** Set when the page must reload what it shows from the channel (the events are not enough). */
  resync?: string;
  members?: PresenceMember[];
}

type Fn<T> = (value: T) => void;

/** The part of `document` the client reads (typed here so the library builds without DOM types). */
interface PageDocument {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => void;

/**
 * How long an event that arrives ahead of a missing one waits for it (events from two nodes can
 * cross); then the subscription resumes from its last event, and the server replays the rest.
 */
export const GAP_WAIT_MS = 250;

/**
 * Channels over the page's one socket connection.
 *
 * @example
 * const socket = new SocketClient('/socket').connect();
 * const events = new EventsClient(socket);
 * const orders = events.subscribe('orders', { from: EventsClient.positionsFromPage().orders });
 * orders.listen('order.placed', (data) => render(data));
 * orders.on('resync', () => location.reload());
 */
export class EventsClient {
  private readonly subscriptions = new Map<string, ChannelSubscription>();

  constructor(private readonly socket: SocketClient) {}

  /**
   * Subscribes to a channel (or returns the existing subscription). `from` resumes after a
   * position, such as the one the server rendered into the page.
   */
  subscribe(channel: string, options: { from?: ChannelPosition } = {}): ChannelSubscription {
    let subscription = this.subscriptions.get(channel);
    if (!subscription) {
      subscription = new ChannelSubscription(
        channel,
        this.socket.channel(`channel:${channel}`),
        options.from,
        () => this.subscriptions.delete(channel),
      );
      this.subscriptions.set(channel, subscription);
    }
    return subscription;
  }

  /** Leaves a channel. */
  async unsubscribe(channel: string): Promise<void> {
    await this.subscriptions.get(channel)?.unsubscribe();
  }

  /** Connection state changes: `connecting`, `open`, `closed`. */
  onState(fn: Fn<SocketState>): () => void {
    return this.socket.on('state', (state) => fn(state as SocketState));
  }

  get state(): SocketState {
    return this.socket.state;
  }

  /** Positions a server-rendered page carries (`<meta name="lattice-channels">`). */
  static positionsFromPage(
    doc: PageDocument | undefined = (globalThis as { document?: PageDocument }).document,
  ): Record<string, ChannelPosition> {
    const content = doc?.querySelector('meta[name="lattice-channels"]')?.getAttribute('content');
    if (!content) return {};
    try {
      return JSON.parse(content) as Record<string, ChannelPosition>;
    } catch {
      return {};
    }
  }
}

/** One subscribed channel: its events in offset order, without duplicates, and its members. */
export class ChannelSubscription {
  /** Epoch and offset of the last event delivered (undefined before the first subscribe). */
  epoch: string | undefined;
  offset = 0;
  /** The first subscribe's result. */
  readonly ready: Promise<SubscribeResult>;
  private readonly listeners = new Map<string, Set<AnyFn>>();
  private replaying = true;
  private buffer: ChannelMessage[] = [];
  private readonly held = new Map<number, ChannelMessage>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly members = new Map<string, PresenceMember>();
  /** Frames that came with (or before) the join's reply wait for it: one TCP read can carry both. */
  private awaitingReply = true;
  private early: Array<[string, unknown]> = [];

  constructor(
    readonly channel: string,
    private readonly socketChannel: Channel,
    from: ChannelPosition | undefined,
    private readonly forget: () => void,
  ) {
    if (from) {
      this.epoch = from.epoch;
      this.offset = from.offset;
    }
    for (const event of ['event', 'replay', 'replayed', 'presence:join', 'presence:leave']) {
      socketChannel.on(event, (payload) => this.frame(event, payload));
    }
    socketChannel.on('rejoined', (result) => this.joined(result as SubscribeResult));
    socketChannel.on('rejoin-failed', (error) => {
      this.awaitingReply = false;
      this.early = [];
      this.emit('error', error);
    });
    // A function: each rejoin after a reconnect sends where the page is by then.
    this.ready = socketChannel
      .join(() => this.resumeFrom())
      .then((result) => {
        this.joined(result as SubscribeResult);
        return result as SubscribeResult;
      });
    this.ready.catch((error: unknown) => {
      this.awaitingReply = false;
      this.early = [];
      this.emit('error', error);
    });
  }

  /** Calls `fn` with the data of each `event` (or of every event, with `'*'`: then with the message). */
  listen(event: string, fn: (data: unknown, message: ChannelMessage) => void): () => void {
    return this.on(event === '*' ? 'message' : `event:${event}`, fn);
  }

  /** Presence: the members (one per user) on every (re)subscribe. */
  here(fn: Fn<PresenceMember[]>): () => void {
    return this.on('here', fn);
  }

  /** Presence: a user arrived (their first connection joined). */
  joining(fn: Fn<PresenceMember>): () => void {
    return this.on('joining', fn);
  }

  /** Presence: a user left (their last connection left). */
  leaving(fn: Fn<PresenceMember>): () => void {
    return this.on('leaving', fn);
  }

  /**
   * `subscribed` (SubscribeResult, also after each reconnect), `resync` ({ reason }), `gap`
   * ({ offset }: an event was missing, so it resubscribes from `offset`), `error`.
   */
  on(event: string, fn: AnyFn): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Members now, one per user. */
  present(): PresenceMember[] {
    const byUser = new Map<string, PresenceMember>();
    for (const member of this.members.values()) byUser.set(member.id ?? member.key, member);
    return [...byUser.values()];
  }

  async unsubscribe(): Promise<void> {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.forget();
    await this.socketChannel.leave();
  }

  private resumeFrom(): ChannelPosition | null {
    // Whatever arrives live until the replay ends waits, then merges in by offset.
    this.replaying = true;
    this.buffer = [];
    this.awaitingReply = true;
    this.early = [];
    return this.epoch === undefined ? null : { epoch: this.epoch, offset: this.offset };
  }

  private joined(result: SubscribeResult): void {
    if (result.resync) this.emit('resync', { reason: result.resync });
    this.epoch = result.epoch;
    this.offset = result.offset;
    if (result.members) {
      this.members.clear();
      for (const member of result.members) this.members.set(member.key, member);
      this.emit('here', this.present());
    }
    this.emit('subscribed', result);
    this.awaitingReply = false;
    for (const [event, payload] of this.early.splice(0)) this.frame(event, payload);
  }

  private frame(event: string, payload: unknown): void {
    if (this.awaitingReply) {
      this.early.push([event, payload]);
      return;
    }
    if (event === 'event') this.receive(payload as ChannelMessage);
    else if (event === 'replay')
      for (const message of (payload as { events: ChannelMessage[] }).events)
        this.accept(message, false);
    else if (event === 'replayed') this.endReplay();
    else if (event === 'presence:join') this.memberJoined(payload as PresenceMember);
    else if (event === 'presence:leave') this.memberLeft((payload as PresenceMember).key);
  }

  private receive(message: ChannelMessage): void {
    if (this.replaying) this.buffer.push(message);
    else this.accept(message, true);
  }

  private endReplay(): void {
    this.replaying = false;
    const buffered = this.buffer.sort((a, b) => a.offset - b.offset);
    this.buffer = [];
    for (const message of buffered) this.accept(message, true);
  }

  private accept(message: ChannelMessage, live: boolean): void {
    if (message.epoch !== this.epoch) {
      // The server lost its history (restart, expiry): offsets start again.
      this.emit('resync', { reason: 'epoch_changed' });
      this.epoch = message.epoch;
      this.offset = message.offset - 1;
      this.held.clear();
    }
    if (message.offset <= this.offset || this.held.has(message.offset)) return; // seen
    if (live && message.offset > this.offset + 1) {
      this.held.set(message.offset, message);
      this.gapTimer ??= setTimeout(() => this.recoverGap(), GAP_WAIT_MS);
      return;
    }
    this.deliver(message);
    this.flushHeld();
  }

  /** Delivers held events that are now next in line. */
  private flushHeld(): void {
    for (const offset of [...this.held.keys()].sort((a, b) => a - b)) {
      if (offset !== this.offset + 1) break;
      const message = this.held.get(offset)!;
      this.held.delete(offset);
      this.deliver(message);
    }
    if (this.held.size === 0) {
      clearTimeout(this.gapTimer);
      this.gapTimer = undefined;
    }
  }

  /**
   * The missing event never came (lost between nodes, or dropped): subscribe again from the last
   * event delivered. The server replays what is missing, held events included, in order, or
   * answers `resync` when it no longer has them; skipping ahead would lose an event silently.
   */
  private recoverGap(): void {
    this.gapTimer = undefined;
    this.held.clear();
    if (this.awaitingReply) return; // a resubscribe is under way already, from this offset
    this.emit('gap', { offset: this.offset });
    this.socketChannel
      .join(() => this.resumeFrom())
      .then(
        (result) => this.joined(result as SubscribeResult),
        (error: unknown) => {
          this.awaitingReply = false;
          this.early = [];
          this.emit('error', error);
        },
      );
  }

  private deliver(message: ChannelMessage): void {
    this.offset = message.offset;
    this.emit(`event:${message.event}`, message.data, message);
    this.emit('message', message, message);
  }

  private memberJoined(member: PresenceMember): void {
    const isNew = !this.present().some((m) => (m.id ?? m.key) === (member.id ?? member.key));
    this.members.set(member.key, member);
    if (isNew) this.emit('joining', member);
  }

  private memberLeft(key: string): void {
    const member = this.members.get(key);
    if (!member) return;
    this.members.delete(key);
    if (!this.present().some((m) => (m.id ?? m.key) === (member.id ?? member.key)))
      this.emit('leaving', member);
  }

  private emit(event: string, value: unknown, extra?: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(value, extra);
      } catch (error) {
        console.error(error); // one listener's failure must not stop the others
      }
    }
  }
}
