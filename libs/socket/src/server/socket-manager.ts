import {
  type DrainContext,
  LatticeError,
  LatticeShutdown,
  PubSub,
  SampledLog,
  type Unsubscribe,
} from '@lattice/core';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnModuleInit,
  Optional,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket } from 'ws';
import {
  CLOSE_RATE_LIMITED,
  CLOSE_SERVICE_RESTART,
  CLOSE_UNAUTHORIZED,
  RECONNECT_EVENT,
  SOCKET_AUTHENTICATOR,
  SOCKET_FANOUT_TOPIC,
  SOCKET_MODULE_OPTIONS,
  SYSTEM_TOPIC,
} from '../socket.constants';
import type {
  Frame,
  ReconnectHint,
  SocketAuthenticator,
  SocketConnectionInfo,
  SocketIdentity,
  SocketModuleOptions,
  TopicHandler,
} from '../socket.interfaces';
import { SocketMessages } from '../socket.messages';
import {
  CLOSE_HANDSHAKE_MS,
  DEFAULT_DRAIN_WINDOW_MS,
  type Handover,
  handoverPlan,
} from './socket-handover';

interface Broadcast {
  topic: string;
  event: string;
  payload: unknown;
}

const OPEN = 1; // WebSocket.OPEN, without importing ws at runtime here

/** One browser tab's connection. */
class Connection implements SocketConnectionInfo {
  readonly id = randomUUID();
  readonly topics = new Set<string>();
  alive = true;
  private tokens: number;
  private refilledAt = Date.now();
  private overLimit = 0;

  constructor(
    readonly ws: WebSocket,
    readonly identity: SocketIdentity | null,
    private readonly limit: { messages: number; perMs: number },
  ) {
    this.tokens = limit.messages;
  }

  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  push(topic: string, event: string, payload: unknown): void {
    this.send(JSON.stringify([topic, event, payload]));
  }

  send(frame: string): void {
    if (this.ws.readyState === OPEN) this.ws.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === OPEN) this.ws.close(code, truncate(reason));
  }

  reply(topic: string, ref: string | undefined, status: 'ok' | 'error', response: unknown): void {
    if (ref !== undefined) this.send(JSON.stringify([topic, 'reply', { status, response }, ref]));
    else if (status === 'error') this.push(SYSTEM_TOPIC, 'error', response);
  }

  /** A token bucket: `messages` per `perMs`, refilled continuously. False when empty. */
  take(): 'ok' | 'dropped' | 'close' {
    const now = Date.now();
    const { messages, perMs } = this.limit;
    this.tokens = Math.min(messages, this.tokens + ((now - this.refilledAt) * messages) / perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.overLimit = 0;
      return 'ok';
    }
    // A client that keeps sending into an empty bucket for a whole window is not going to stop.
    return ++this.overLimit > messages ? 'close' : 'dropped';
  }
}

/**
 * The one WebSocket connection per page, multiplexed by topic. Libraries register topic
 * handlers (`handle('question:*', handler)`); `broadcast()` reaches every subscribed
 * connection on every node, through core's PubSub.
 */
@Injectable()
export class SocketManager implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Socket');
  /** What clients get wrong (oversized or invalid frames): sampled warnings, never errors. */
  private readonly mistakes = new SampledLog(this.logger);
  private readonly handlers: Array<{ pattern: string; match: RegExp; handler: TopicHandler }> = [];
  private readonly connections = new Set<Connection>();
  private readonly subscribers = new Map<string, Set<Connection>>();
  private subscription: Promise<Unsubscribe | undefined> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly limit: { messages: number; perMs: number };
  /** Set once the drain's handover began: connections that arrive late are handed over at once. */
  private handingOver = false;
  /** Handovers waiting for their turn, cut short by the shutdown hooks. */
  private readonly waiting = new Map<NodeJS.Timeout, () => void>();
  private stopDrainListener: (() => void) | undefined;

  constructor(
    @Inject(SOCKET_MODULE_OPTIONS) private readonly options: SocketModuleOptions,
    private readonly pubsub: PubSub,
    /** From SocketModule's `authenticator` option or a global module (SecurityModule); none: anonymous. */
    @Optional()
    @Inject(SOCKET_AUTHENTICATOR)
    private readonly authenticator?: SocketAuthenticator,
    /** LatticeModule's (global); absent in a bare test module: then nothing drains. */
    @Optional() private readonly shutdown?: LatticeShutdown,
  ) {
    this.limit = options.rateLimit ?? { messages: 60, perMs: 1000 };
  }

  /** Serve topics matching `pattern`, where `*` stands for one or more characters other than ':'. */
  handle(pattern: string, handler: TopicHandler): void {
    if (this.handlers.some((h) => h.pattern === pattern)) {
      throw SocketMessages.duplicateHandler(pattern);
    }
    const match = new RegExp(
      `^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^:]+')}$`,
    );
    this.handlers.push({ pattern, match, handler });
  }

  /** Sends an event to every connection subscribed to `topic`, on every node. */
  async broadcast(topic: string, event: string, payload: unknown): Promise<void> {
    await this.pubsub.publish<Broadcast>(SOCKET_FANOUT_TOPIC, { topic, event, payload });
  }

  /** Connections on this node subscribed to `topic`. */
  subscriberCount(topic: string): number {
    return this.subscribers.get(topic)?.size ?? 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** True once the node drains: new upgrades are refused with 503 (the gateway asks). */
  get draining(): boolean {
    return this.shutdown?.draining ?? false;
  }

  async onModuleInit(): Promise<void> {
    // Not awaited: with Redis unreachable at boot the app must still start (and serve this node).
    this.subscription = this.pubsub
      .subscribe<Broadcast>(SOCKET_FANOUT_TOPIC, (message) => {
        const local = this.subscribers.get(message.topic);
        if (!local?.size) return;
        const frame = JSON.stringify([message.topic, message.event, message.payload]);
        for (const connection of local) connection.send(frame);
      })
      .catch((error: unknown) => {
        this.logger.warn(`Cross-node broadcasts are off: ${String(error)}`);
        return undefined;
      });
    const every = this.options.heartbeatMs ?? 30_000;
    this.heartbeat = setInterval(() => this.beat(), every);
    this.heartbeat.unref();
    this.stopDrainListener = this.shutdown?.onDrain((drain) => this.handOver(drain));
  }

  /** Before Nest's ws adapter terminates the sockets: 1001 lets clients reconnect elsewhere. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.heartbeat);
    this.stopDrainListener?.();
    // Handovers still waiting for their turn (the drain timed out, or app.close() came first).
    for (const [timer, release] of this.waiting) {
      clearTimeout(timer);
      release();
    }
    this.waiting.clear();
    void this.subscription?.then((unsubscribe) => unsubscribe?.());
    const closed = [...this.connections].map(
      (c) => new Promise((resolve) => c.ws.once('close', resolve)),
    );
    for (const connection of this.connections) connection.ws.close(1001, 'server shutting down');
    // The close handshake, briefly: a client that does not answer is terminated by the adapter.
    const late = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([Promise.all(closed), late]);
  }

  /** Called by the gateway for each new connection: authenticate, then listen. */
  async attach(ws: WebSocket, request: IncomingMessage): Promise<void> {
    // Frames that arrive while we authenticate wait; nothing is handled before we know who it is.
    const early: RawData[] = [];
    const buffer = (data: RawData) => {
      if (early.length < 32) early.push(data); // a client has no reason to send more before its welcome
    };
    ws.on('message', buffer);
    // Nest's WsAdapter logs every socket error at ERROR, but these are the client's doing (a
    // frame over maxPayload, invalid UTF-8): a client could fill the log with them.
    ws.removeAllListeners('error');
    ws.on('error', (error) =>
      this.mistakes.warn('socket-error', `A client's frame was refused: ${error.message}`),
    );
    let identity: SocketIdentity | null;
    try {
      identity = (await this.authenticator?.authenticate(request)) ?? null;
    } catch (error) {
      ws.close(CLOSE_UNAUTHORIZED, truncate(messageOf(error, 'unauthorized')));
      return;
    }
    if (ws.readyState !== OPEN) return; // it left while we were authenticating
    const connection = new Connection(ws, identity, this.limit);
    this.connections.add(connection);
    ws.on('close', () => void this.detach(connection));
    ws.on('error', () => undefined); // a broken socket closes; 'close' cleans up
    if (this.authenticator?.connected) {
      try {
        await this.authenticator.connected(connection);
      } catch (error) {
        connection.close(CLOSE_UNAUTHORIZED, messageOf(error, 'unauthorized'));
      }
      if (ws.readyState !== OPEN) return; // refused (a connection limit), or it left meanwhile
    }
    ws.off('message', buffer);
    ws.on('message', (data) => void this.receive(connection, data));
    ws.on('pong', () => (connection.alive = true));
    connection.push(SYSTEM_TOPIC, 'welcome', { id: connection.id, identity: identity?.id ?? null });
    // Upgraded before the signal, authenticated after the handover began: its turn is now.
    if (this.handingOver) {
      void this.handOverOne(connection, handoverPlan(1, this.drainWindowMs)[0]);
      return;
    }
    for (const data of early) await this.receive(connection, data);
  }

  private get drainWindowMs(): number {
    return this.options.drainWindowMs ?? DEFAULT_DRAIN_WINDOW_MS;
  }

  /**
   * The drain listener: once the balancer has had its delay to stop sending new connections
   * here, every open connection is told to reconnect (`sys` 'reconnect' with a jittered
   * `afterMs`) and closed with 1012, spread over the drain window, so the other nodes take the
   * pages over gradually. Resolves when they have closed (or the shutdown's deadline is near).
   */
  private async handOver(drain: DrainContext): Promise<void> {
    await drain.handover;
    this.handingOver = true;
    const open = [...this.connections];
    if (open.length === 0) return;
    // Leave the close handshake its time before the shutdown stops waiting for us.
    const budgetMs = drain.deadline - Date.now() - CLOSE_HANDSHAKE_MS;
    const windowMs = Math.max(0, Math.min(this.drainWindowMs, budgetMs));
    const plan = handoverPlan(open.length, windowMs);
    const lastMs = plan.reduce((last, turn) => Math.max(last, turn.atMs), 0); // no spread: 100k+ sockets
    this.logger.log(
      `Draining: telling ${open.length} connections to reconnect elsewhere over ${lastMs} ms (close 1012).`,
    );
    await Promise.all(open.map((connection, i) => this.handOverOne(connection, plan[i])));
  }

  /** At its turn: the hint, then close 1012; resolves when closed (or the handshake times out). */
  private handOverOne(connection: Connection, turn: Handover): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(timer);
        const ws = connection.ws;
        if (ws.readyState !== OPEN) return resolve();
        const handshake = setTimeout(resolve, CLOSE_HANDSHAKE_MS);
        ws.once('close', () => {
          clearTimeout(handshake);
          resolve();
        });
        const hint: ReconnectHint = { afterMs: turn.afterMs, reason: 'draining' };
        connection.push(SYSTEM_TOPIC, RECONNECT_EVENT, hint);
        connection.close(CLOSE_SERVICE_RESTART, 'server draining: reconnect');
      }, turn.atMs);
      this.waiting.set(timer, resolve);
    });
  }

  private async receive(connection: Connection, data: RawData): Promise<void> {
    // Before anything runs for it: a session ended elsewhere must not act through an open socket.
    if (this.authenticator?.revoked?.(connection)) {
      connection.close(CLOSE_UNAUTHORIZED, 'session ended: log in again');
      return;
    }
    const allowed = connection.take();
    if (allowed === 'close') {
      connection.ws.close(CLOSE_RATE_LIMITED, 'too many messages');
      return;
    }
    if (allowed === 'dropped') {
      connection.push(SYSTEM_TOPIC, 'error', {
        code: 'rate_limited',
        message: `More than ${this.limit.messages} messages in ${this.limit.perMs} ms; this one was dropped.`,
      });
      return;
    }
    if (this.authenticator?.admit && !this.authenticator.admit(connection)) {
      connection.push(SYSTEM_TOPIC, 'error', {
        code: 'rate_limited',
        message: 'Too many messages from this user across their connections; this one was dropped.',
      });
      return;
    }
    const frame = parse(data);
    if (typeof frame === 'string') {
      this.mistakes.warn('bad-frame', `A client sent a malformed frame: ${frame}`);
      connection.push(SYSTEM_TOPIC, 'error', { code: 'bad_frame', message: frame });
      return;
    }
    const [topic, event, payload, ref] = frame;
    if (topic === SYSTEM_TOPIC) {
      if (event === 'ping') connection.reply(topic, ref, 'ok', { time: Date.now() });
      else
        connection.reply(topic, ref, 'error', {
          code: 'unknown_event',
          message: `Unknown system event "${event}".`,
        });
      return;
    }
    const entry = this.handlers.find((h) => h.match.test(topic));
    if (!entry) {
      connection.reply(topic, ref, 'error', {
        code: 'unknown_topic',
        message: `No handler serves topic "${topic}".`,
      });
      return;
    }
    try {
      if (event === 'join') {
        if (!entry.handler.join && !entry.handler.public) {
          throw new LatticeError(
            'LATTICE_SOCKET_JOIN_REFUSED',
            `Topic "${topic}" has no join check, so it cannot be joined.`,
            'Give its handler a join() that decides who may subscribe, or mark it public: true.',
          );
        }
        const response = await entry.handler.join?.(connection, topic, payload);
        if (!this.connections.has(connection)) {
          // The connection closed while the join ran: undo, or the subscription would outlive it.
          await entry.handler.leave?.(connection, topic);
          return;
        }
        connection.topics.add(topic);
        let set = this.subscribers.get(topic);
        if (!set) this.subscribers.set(topic, (set = new Set()));
        set.add(connection);
        connection.reply(topic, ref, 'ok', response ?? null);
      } else if (event === 'leave') {
        await this.leave(connection, topic, entry.handler);
        connection.reply(topic, ref, 'ok', null);
      } else if (!connection.topics.has(topic)) {
        connection.reply(topic, ref, 'error', {
          code: 'not_joined',
          message: `Join topic "${topic}" before sending "${event}" on it.`,
        });
      } else if (!entry.handler.message) {
        connection.reply(topic, ref, 'error', {
          code: 'unknown_event',
          message: `Topic "${topic}" accepts no events from clients.`,
        });
      } else {
        const response = await entry.handler.message(connection, topic, event, payload);
        connection.reply(topic, ref, 'ok', response ?? null);
      }
    } catch (error) {
      connection.reply(topic, ref, 'error', {
        code: codeOf(error),
        message: messageOf(error, 'The request failed.'),
      });
      if (!isExpected(error))
        this.logger.error(`Topic "${topic}" event "${event}" failed: ${String(error)}`);
    }
  }

  private async leave(
    connection: Connection,
    topic: string,
    handler?: TopicHandler,
  ): Promise<void> {
    if (!connection.topics.delete(topic)) return;
    const set = this.subscribers.get(topic);
    set?.delete(connection);
    if (set?.size === 0) this.subscribers.delete(topic);
    await handler?.leave?.(connection, topic);
  }

  private async detach(connection: Connection): Promise<void> {
    this.connections.delete(connection);
    try {
      this.authenticator?.disconnected?.(connection);
    } catch (error) {
      this.logger.error(`The authenticator's disconnected() failed: ${String(error)}`);
    }
    for (const topic of [...connection.topics]) {
      const entry = this.handlers.find((h) => h.match.test(topic));
      await this.leave(connection, topic, entry?.handler).catch((error: unknown) =>
        this.logger.error(`Leaving "${topic}" failed: ${String(error)}`),
      );
    }
  }

  private beat(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.ws.terminate(); // no pong since the last ping: the peer is gone
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }
}

function parse(data: RawData): Frame | string {
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return 'A frame must be JSON: [topic, event, payload, ref?].';
  }
  if (
    !Array.isArray(value) ||
    value.length < 3 ||
    value.length > 4 ||
    typeof value[0] !== 'string' ||
    typeof value[1] !== 'string' ||
    (value[3] !== undefined && typeof value[3] !== 'string')
  ) {
    return 'A frame must be [topic: string, event: string, payload, ref?: string].';
  }
  return value as Frame;
}

/** Errors meant for the client: Lattice errors and Nest HTTP exceptions (a guard's 403, a pipe's 400). */
function isExpected(error: unknown): boolean {
  return (
    error instanceof LatticeError ||
    typeof (error as { getStatus?: unknown })?.getStatus === 'function'
  );
}

function messageOf(error: unknown, fallback: string): string {
  if (!isExpected(error)) return fallback;
  const response = (error as { getResponse?: () => unknown }).getResponse?.();
  const message = (response as { message?: unknown })?.message ?? (error as Error).message;
  return Array.isArray(message) ? message.join('; ') : String(message);
}

function codeOf(error: unknown): string {
  if (error instanceof LatticeError) return error.code;
  const status = (error as { getStatus?: () => number }).getStatus?.();
  return status ? `http_${status}` : 'internal';
}

/** Close reasons are limited to 123 bytes by the protocol; cut by bytes, at a character boundary. */
function truncate(reason: string): string {
  if (Buffer.byteLength(reason) <= 123) return reason;
  let cut = reason;
  while (Buffer.byteLength(cut) > 120) cut = cut.slice(0, -1);
  return `${cut}…`.slice(0, cut.length + 1);
}
