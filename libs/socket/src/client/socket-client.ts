// The browser side of @lattice/socket: one connection per page, channels per topic, replies by
// ref, reconnection with jittered backoff, channels rejoined after a reconnect. No Node APIs, so
// the live runtime bundles it as is; tests run it in Node with the `ws` package's WebSocket.

export type SocketState = 'connecting' | 'open' | 'closed';

/** The part of the WebSocket API the client uses (the browser's, or `ws` in Node). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface SocketClientOptions {
  /** Default: the global WebSocket. */
  WebSocket?: WebSocketFactory;
  /** First reconnect waits up to `baseMs`, doubling per failed try up to `maxMs` (full jitter). */
  backoff?: { baseMs: number; maxMs: number };
  /** A request without a reply within this time fails (default 10 s). */
  timeoutMs?: number;
  /** How often the client checks the connection with a ping (default 25 s). */
  heartbeatMs?: number;
  /**
   * Called before reconnecting after the server closed with 4401 (no longer authenticated, e.g.
   * the access token expired): refresh the session here, e.g.
   * `() => fetch('/auth/refresh', { method: 'POST' })`, so the reconnect carries a fresh cookie.
   */
  reauthenticate?: (close: { code: number; reason: string }) => unknown;
}

export interface Reply {
  status: 'ok' | 'error';
  response: unknown;
}

/** A request the server answered with an error. */
export class SocketRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SocketRequestError';
  }
}

type Listener = (payload: unknown) => void;
const OPEN = 1;
const UNAUTHORIZED = 4401; // CLOSE_UNAUTHORIZED, not imported: this file is bundled alone
const SERVICE_RESTART = 1012; // CLOSE_SERVICE_RESTART: the node drains, reconnect elsewhere
/** Without a hint, a 1012 close reconnects within this (jittered): not a failure, no backoff. */
const RESTART_JITTER_MS = 1000;
/** A hint longer than this is not believed (a misbehaving server must not park the page). */
const MAX_HINT_MS = 30_000;

class Listeners {
  private readonly map = new Map<string, Set<Listener>>();
  on(event: string, listener: Listener): () => void {
    let set = this.map.get(event);
    if (!set) this.map.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }
  emit(event: string, payload: unknown): void {
    for (const listener of this.map.get(event) ?? []) {
      try {
        listener(payload);
      } catch (error) {
        console.error(error); // one listener's failure must not stop the others
      }
    }
  }
}

export class SocketClient {
  state: SocketState = 'closed';
  /** Server-assigned id of the current connection. */
  connectionId: string | undefined;
  private ws: WebSocketLike | undefined;
  private readonly listeners = new Listeners();
  private readonly channels = new Map<string, Channel>();
  private readonly pending = new Map<
    string,
    { resolve: (r: Reply) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly outbox: string[] = [];
  private ref = 0;
  private attempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private stopped = true;
  /** The server's `sys` 'reconnect' hint for the coming close: reconnect after this many ms. */
  private reconnectAfterMs: number | undefined;
  private readonly options: Required<SocketClientOptions>;

  constructor(
    private readonly url: string,
    options: SocketClientOptions = {},
  ) {
    this.options = {
      WebSocket:
        options.WebSocket ?? (globalThis as unknown as { WebSocket: WebSocketFactory }).WebSocket,
      backoff: options.backoff ?? { baseMs: 500, maxMs: 10_000 },
      timeoutMs: options.timeoutMs ?? 10_000,
      heartbeatMs: options.heartbeatMs ?? 25_000,
      reauthenticate: options.reauthenticate ?? (() => undefined),
    };
  }

  /**
   * `'state'` (the new SocketState), `'welcome'`, `'error'` (system errors such as rate
   * limiting), `'reconnect'` (`{ afterMs, reason }`: the node drains; the client reconnects by
   * itself after `afterMs`, through the balancer to another node).
   */
  on(event: 'state' | 'welcome' | 'error' | 'reconnect', listener: Listener): () => void {
    return this.listeners.on(event, listener);
  }

  connect(): this {
    this.stopped = false;
    this.open();
    return this;
  }

  /** Closes for good: no reconnect. */
  close(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeatTimer);
    this.ws?.close(1000, 'client closed');
    this.setState('closed');
  }

  /** The channel of a topic; `join()` it to receive its events. */
  channel(topic: string): Channel {
    let channel = this.channels.get(topic);
    if (!channel) this.channels.set(topic, (channel = new Channel(this, topic)));
    return channel;
  }

  /** @internal sends a frame and resolves with the server's reply. */
  request(topic: string, event: string, payload: unknown): Promise<Reply> {
    const ref = String(++this.ref);
    return new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        resolve({
          status: 'error',
          response: {
            code: 'timeout',
            message: `No reply to "${event}" on "${topic}" within ${this.options.timeoutMs} ms.`,
          },
        });
      }, this.options.timeoutMs);
      this.pending.set(ref, { resolve, timer });
      this.send(JSON.stringify([topic, event, payload, ref]));
    });
  }

  /** @internal */
  forget(topic: string): void {
    this.channels.delete(topic);
  }

  private send(frame: string): void {
    if (this.ws?.readyState === OPEN) this.ws.send(frame);
    else this.outbox.push(frame); // sent once connected
  }

  private open(): void {
    this.setState('connecting');
    this.reconnectAfterMs = undefined;
    const ws = new this.options.WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
      this.setState('open');
      for (const frame of this.outbox.splice(0)) ws.send(frame);
      for (const channel of this.channels.values()) channel.rejoin();
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = setInterval(() => {
        void this.request('sys', 'ping', null).then((reply) => {
          if (reply.status === 'error' && ws === this.ws) ws.close(4000, 'heartbeat timeout');
        });
      }, this.options.heartbeatMs);
    };
    ws.onmessage = (event) => this.receive(String(event.data));
    ws.onerror = () => undefined; // 'close' follows
    ws.onclose = (event) => {
      if (ws !== this.ws) return;
      clearInterval(this.heartbeatTimer);
      for (const [ref, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.resolve({
          status: 'error',
          response: { code: 'disconnected', message: 'The connection closed before a reply.' },
        });
        this.pending.delete(ref);
      }
      if (this.stopped) return;
      this.setState('closed');
      const hint = this.reconnectAfterMs;
      this.reconnectAfterMs = undefined;
      if (event?.code === SERVICE_RESTART || hint !== undefined) {
        // A draining node handing its pages over: reconnect when told (the node spread the hints
        // so the others are not hit at once). Not a failure, so no backoff; a refused upgrade
        // after it (another draining node) backs off as usual.
        const delay = hint ?? Math.random() * RESTART_JITTER_MS;
        this.reconnectTimer = setTimeout(() => this.open(), delay);
        return;
      }
      // Full jitter: a server restart does not bring every tab back in the same millisecond.
      const { baseMs, maxMs } = this.options.backoff;
      const delay = Math.random() * Math.min(maxMs, baseMs * 2 ** this.attempts++);
      if (event?.code === UNAUTHORIZED) {
        // Refresh first, so the reconnect carries the new token; a failed refresh still reconnects.
        void Promise.resolve()
          .then(() => this.options.reauthenticate({ code: event.code, reason: event.reason }))
          .catch(() => undefined)
          .then(() => {
            if (!this.stopped) this.reconnectTimer = setTimeout(() => this.open(), delay);
          });
        return;
      }
      this.reconnectTimer = setTimeout(() => this.open(), delay);
    };
  }

  private receive(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (!Array.isArray(frame)) return;
    const [topic, event, payload, ref] = frame as [string, string, unknown, string?];
    if (event === 'reply' && ref !== undefined) {
      const waiting = this.pending.get(ref);
      if (waiting) {
        clearTimeout(waiting.timer);
        this.pending.delete(ref);
        waiting.resolve(payload as Reply);
      }
      return;
    }
    if (topic === 'sys') {
      if (event === 'welcome') this.connectionId = (payload as { id: string }).id;
      if (event === 'reconnect') {
        const afterMs = Number((payload as { afterMs?: unknown } | null)?.afterMs);
        this.reconnectAfterMs = Number.isFinite(afterMs)
          ? Math.min(Math.max(0, afterMs), MAX_HINT_MS)
          : Math.random() * RESTART_JITTER_MS;
      }
      this.listeners.emit(event, payload);
      return;
    }
    this.channels.get(topic)?.deliver(event, payload);
  }

  private setState(state: SocketState): void {
    if (this.state === state) return;
    this.state = state;
    this.listeners.emit('state', state);
  }
}

/** One topic on the shared connection. */
export class Channel {
  private readonly listeners = new Listeners();
  private joinPayload: unknown;
  joined = false;

  constructor(
    private readonly client: SocketClient,
    readonly topic: string,
  ) {}

  /**
   * Subscribes; rejoined automatically after a reconnect. Rejects with the server's reason.
   * Pass a function to compute the payload afresh for each rejoin (what the page has by then).
   */
  async join(payload: unknown = null): Promise<unknown> {
    this.joinPayload = payload;
    const reply = await this.client.request(this.topic, 'join', this.payloadNow());
    return this.settle(reply, () => (this.joined = true));
  }

  async leave(): Promise<void> {
    this.joined = false;
    this.client.forget(this.topic);
    await this.client.request(this.topic, 'leave', null);
  }

  /** Sends an event on this topic; resolves with the handler's response. */
  async push(event: string, payload: unknown = null): Promise<unknown> {
    return this.settle(await this.client.request(this.topic, event, payload));
  }

  on(event: string, listener: Listener): () => void {
    return this.listeners.on(event, listener);
  }

  /** @internal */
  rejoin(): void {
    if (!this.joined) return;
    void this.client.request(this.topic, 'join', this.payloadNow()).then((reply) => {
      if (reply.status === 'error') {
        this.joined = false;
        this.listeners.emit('rejoin-failed', reply.response);
      } else this.listeners.emit('rejoined', reply.response);
    });
  }

  private payloadNow(): unknown {
    return typeof this.joinPayload === 'function'
      ? (this.joinPayload as () => unknown)()
      : this.joinPayload;
  }

  /** @internal */
  deliver(event: string, payload: unknown): void {
    this.listeners.emit(event, payload);
  }

  private settle(reply: Reply, onOk?: () => void): unknown {
    if (reply.status === 'ok') {
      onOk?.();
      return reply.response;
    }
    const { code, message } = (reply.response ?? {}) as { code?: string; message?: string };
    throw new SocketRequestError(code ?? 'error', message ?? 'The request failed.');
  }
}
