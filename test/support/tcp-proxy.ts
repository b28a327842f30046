import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic:
 * - `pass`: forwards both ways;
 * - `refuse`: resets every open connection and every new one (like a service that is down);
 * - `silent`: keeps connections open and accepts new ones but forwards nothing (a network
 *   partition: no error, no answer).
 */
export type ProxyMode = 'pass' | 'refuse' | 'silent';

/**
 * A TCP proxy in front of a real service, for outage tests: the services are shared, so an
 * outage is simulated here instead of stopping them. Listens on a random local port.
 *
 * @example
 * const proxy = await TcpProxy.start('127.0.0.1', 6379);
 * process.env.REDIS_URL = `redis://127.0.0.1:${proxy.port}`;
 * proxy.setMode('refuse');
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(host: string, port: number): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(0, '127.0.0.1', () => resolve()),
    );
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port);
    server.on('connection', (client) => proxy.accept(client, host, port));
    return proxy;
  }

  /** `host:port` of the proxy, for URLs. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.pairs.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') for (const pair of this.pairs) this.drop(pair);
    // Bytes that arrive in `silent` mode are discarded (see accept), as a partition loses them:
    // connections opened before the partition are useless afterwards, as in real life.
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, host: string, port: number): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host, port });
    const pair = { client, upstream };
    this.pairs.add(pair);
    // A connection that saw a partition stays broken: real TCP streams lose their place.
    let broken = this.mode === 'silent';
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (this.mode !== 'pass') broken = true;
      if (!broken) to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const end = () => this.drop(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  private drop(pair: { client: Socket; upstream: Socket }): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream.destroy();
  }
}
