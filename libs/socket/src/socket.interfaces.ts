import type { IncomingMessage } from 'node:http';

export interface SocketModuleOptions {
  /** Where the one connection per page is opened (default `/socket`). */
  path?: string;
  /**
   * Origins allowed to connect (`https://forum.example`). Default: the origin must match the
   * request's Host, so other sites cannot open a socket with the visitor's cookies. Requests
   * without an Origin header (not from a browser) are allowed.
   */
  allowedOrigins?: string[];
  /** Largest frame accepted, in bytes (default 64 KiB); a larger one closes the connection (1009). */
  maxMessageBytes?: number;
  /** Frames a connection may send: `messages` per `perMs` (default 60 per second). */
  rateLimit?: { messages: number; perMs: number };
  /** How often the server pings each connection; one without a pong by the next ping is dropped (default 30 s). */
  heartbeatMs?: number;
  /**
   * When the node drains (SIGTERM with `enableLatticeShutdown`), its open connections are told to
   * reconnect elsewhere spread over this window, so the other nodes are not hit by every page at
   * once (default 5 s; a few connections take less, 20 ms each; never past the shutdown timeout).
   */
  drainWindowMs?: number;
}

/** The `sys` 'reconnect' event's payload: reconnect after `afterMs` (to another node). */
export interface ReconnectHint {
  afterMs: number;
  reason: 'draining';
}

/** Who is on the other end, as the authenticator established it. */
export interface SocketIdentity {
  id: string;
  [claim: string]: unknown;
}

/**
 * Runs on every connect and reconnect, with the upgrade request (cookies, headers, query).
 * Return the identity, `null` for an anonymous connection, or throw to refuse it.
 * Provide one under `SOCKET_AUTHENTICATOR`; security's SecureWebSocketManager will.
 */
export interface SocketAuthenticator {
  authenticate(request: IncomingMessage): Promise<SocketIdentity | null> | SocketIdentity | null;
  /**
   * Optional: the connection is authenticated and about to be welcomed. Close it here to refuse
   * it (a limit of connections per user), or keep it to close later (its token expires); a throw
   * closes it with 4401.
   */
  connected?(connection: SocketConnectionInfo): void | Promise<void>;
  /** Optional: a connection that `connected` saw has closed. */
  disconnected?(connection: SocketConnectionInfo): void;
  /**
   * Optional: asked for each frame that passed the per-connection rate limit; false drops it with
   * a `rate_limited` error (a limit per user across their connections).
   */
  admit?(connection: SocketConnectionInfo): boolean;
  /**
   * Optional: asked before each frame is handled (and must answer at once, without I/O); true
   * means the connection's session was ended since it connected (a logout elsewhere): the frame
   * is dropped and the connection closed with 4401.
   */
  revoked?(connection: SocketConnectionInfo): boolean;
}

/** A frame: `[topic, event, payload, ref?]`. `ref` ties a reply to its request. */
export type Frame = [topic: string, event: string, payload: unknown, ref?: string];

/**
 * Serves the topics that match `pattern` (`question:*`). `join` decides whether a connection
 * may subscribe (throw to refuse; the error's message goes back to the client); `message`
 * answers events the client sends on a joined topic; `leave` cleans up.
 */
export interface TopicHandler {
  /** Anyone may subscribe (a handler without `join` is refused unless it says so). */
  public?: boolean;
  join?(connection: SocketConnectionInfo, topic: string, payload: unknown): unknown;
  message?(
    connection: SocketConnectionInfo,
    topic: string,
    event: string,
    payload: unknown,
  ): unknown;
  leave?(connection: SocketConnectionInfo, topic: string): void | Promise<void>;
}

/** What handlers see of a connection. */
export interface SocketConnectionInfo {
  readonly id: string;
  readonly identity: SocketIdentity | null;
  readonly topics: ReadonlySet<string>;
  /** Bytes queued for sending and not yet sent: a large figure means a slow client. */
  readonly buffered: number;
  /** Sends a frame to this connection only. */
  push(topic: string, event: string, payload: unknown): void;
  /** Closes the connection with an application close code (4000–4999) and a reason. */
  close(code: number, reason: string): void;
}
