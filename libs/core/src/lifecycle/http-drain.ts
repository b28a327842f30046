import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';

interface Connection {
  responses: Set<ServerResponse>;
  idleTimer?: NodeJS.Timeout;
}

export interface HttpDrainOptions {
  /** After this, connections still open are destroyed. */
  timeoutMs: number;
  /** How long an idle keep-alive connection stays open for a request already on its way. */
  idleGraceMs: number;
}

export interface HttpDrainResult {
  /** Connections still open at the timeout, destroyed. */
  destroyed: number;
}

/**
 * Tracks an HTTP server's connections from `listen()` on, so a drain can stop accepting,
 * answer every request already sent (each response then says `Connection: close`) and
 * close idle keep-alive connections without resetting a request that was on its way.
 * Works on any `http.Server`, so on Express and Fastify alike.
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, Connection>();
  private draining = false;
  private drained: (() => void) | undefined;
  private idleGraceMs = 0;

  constructor(private readonly server: Server) {
    // Prepended: our listeners must run before the framework writes a response synchronously.
    server.prependListener('connection', (socket: Socket) => this.track(socket));
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      this.onRequest(req, res),
    );
    // An upgraded socket is the WebSocket library's; its connections close in their own hooks.
    server.prependListener('upgrade', (req: IncomingMessage) => this.forget(req.socket));
  }

  get openConnections(): number {
    return this.connections.size;
  }

  async drain(options: HttpDrainOptions): Promise<HttpDrainResult> {
    this.idleGraceMs = options.idleGraceMs;
    // One more turn of the event loop accepts the connections the kernel has already queued:
    // closing the listener with them in its backlog would reset them.
    await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
    // net.Server's close, not http.Server's: the latter also closes "idle" connections at
    // once, including those holding a request not yet read (the resets this drain avoids).
    if (this.server.listening) NetServer.prototype.close.call(this.server);
    // Only now: a client told `Connection: close` reconnects at once, and must find the
    // listener closed (refused), not about to close (its connection reset in the backlog).
    this.draining = true;
    for (const [socket, connection] of this.connections) {
      for (const res of connection.responses) closeAfter(res);
      if (connection.responses.size === 0) this.closeWhenIdle(socket, connection);
    }
    if (this.connections.size > 0) {
      const done = new Promise<void>((resolve) => (this.drained = resolve));
      const timer = setTimeout(() => this.drained?.(), options.timeoutMs);
      await done;
      clearTimeout(timer);
    }
    const destroyed = this.connections.size;
    for (const socket of this.connections.keys()) socket.destroy();
    return { destroyed };
  }

  private track(socket: Socket): void {
    const connection: Connection = { responses: new Set() };
    this.connections.set(socket, connection);
    socket.once('close', () => this.forget(socket));
    if (this.draining) this.closeWhenIdle(socket, connection);
  }

  private forget(socket: Socket): void {
    const connection = this.connections.get(socket);
    if (!connection) return;
    clearTimeout(connection.idleTimer);
    this.connections.delete(socket);
    if (this.connections.size === 0) this.drained?.();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const connection = this.connections.get(req.socket);
    if (!connection) return;
    clearTimeout(connection.idleTimer);
    connection.responses.add(res);
    if (this.draining) closeAfter(res);
    res.once('close', () => {
      connection.responses.delete(res);
      // A response that went out as keep-alive before the drain leaves the connection idle.
      if (this.draining && connection.responses.size === 0 && !req.socket.destroyed)
        this.closeWhenIdle(req.socket, connection);
    });
  }

  /** Ends the connection if no request arrives within the grace (a FIN, not a reset). */
  private closeWhenIdle(socket: Socket, connection: Connection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => {
      if (connection.responses.size === 0) socket.end();
    }, this.idleGraceMs);
  }
}

/** The response tells the client to open no further request on this connection. */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
