import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * How the proxy treats traffic:
 * - `pass`: forwards both ways;
 * - `refuse`: resets every open connection and every new one (like a service that is down);
 * - `silent`: keeps connections open and accepts new ones but forwards nothing (a network
 *   partition: no error, no answer);
 * - `hold`: open connections go on; new ones are accepted and wait, their bytes kept, until the
 *   mode is `pass` again (a test makes something happen while clients are reconnecting).
 */
export type ProxyMode = 'pass' | 'refuse' | 'silent' | 'hold';

/**
 * A TCP proxy in front of a real service, for outage tests: the services are shared, so an
 * outage is simulated here instead of stopping them. Listens on a random local port.
 *
 * @example
 * const proxy = await TcpProxy.start('127.0.0.1', 6379);
 * process.env.REDIS_URL = `redis://127.0.0.1:${proxy.port}`;
 * proxy.setMode('refuse');
 *
 * With several upstreams it is a small balancer: each new connection goes to the first upstream
 * that accepts it (`TcpProxy.balance([[host, portA], [host, portB]])`), as HAProxy with
 * `option redispatch` moves a connection off a node that stopped listening.
 */
export class TcpProxy {
  private mode: ProxyMode = 'pass';
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();
  private readonly holding = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly upstreams: Array<[host: string, port: number]>,
  ) {}

  static start(host: string, port: number): Promise<TcpProxy> {
    return TcpProxy.balance([[host, port]]);
  }

  /** A proxy that sends each new connection to the first of `upstreams` that accepts it. */
  static async balance(upstreams: Array<[host: string, port: number]>): Promise<TcpProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(0, '127.0.0.1', () => resolve()),
    );
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port, upstreams);
    server.on('connection', (client) => proxy.accept(client));
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

  /** New connections waiting in `hold` mode. */
  get held(): number {
    return this.holding.size;
  }

  setMode(mode: ProxyMode): void {
    this.mode = mode;
    if (mode === 'refuse') for (const pair of this.pairs) this.drop(pair);
    if (mode !== 'hold') {
      const held = [...this.holding];
      this.holding.clear();
      for (const client of held) this.accept(client);
    }
    // Bytes that arrive in `silent` mode are discarded (see accept), as a partition loses them:
    // connections opened before the partition are useless afterwards, as in real life.
  }

  async close(): Promise<void> {
    for (const client of this.holding) client.resetAndDestroy();
    this.holding.clear();
    for (const pair of this.pairs) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'hold') {
      // Not read until released: its bytes wait in the socket.
      this.holding.add(client);
      client.once('close', () => this.holding.delete(client)).on('error', () => undefined);
      return;
    }
    this.forward(client, 0);
  }

  private forward(client: Socket, index: number): void {
    const [host, port] = this.upstreams[index];
    const upstream = createConnection({ host, port });
    if (index + 1 < this.upstreams.length) {
      // Another upstream to fall back on: forward only once this one has accepted.
      client.pause();
      const gone = () => upstream.destroy();
      client.once('close', gone).on('error', () => undefined);
      const refused = () => {
        client.off('close', gone);
        upstream.destroy();
        if (!client.destroyed) this.forward(client, index + 1);
      };
      upstream.once('error', refused).once('connect', () => {
        upstream.off('error', refused);
        client.off('close', gone);
        this.pipe(client, upstream);
      });
      return;
    }
    this.pipe(client, upstream);
  }

  private pipe(client: Socket, upstream: Socket): void {
    const pair = { client, upstream };
    this.pairs.add(pair);
    // A connection that saw a partition stays broken: real TCP streams lose their place.
    let broken = this.mode === 'silent';
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (this.mode === 'silent' || this.mode === 'refuse') broken = true;
      if (!broken) to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const end = () => this.drop(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.resume(); // paused while an earlier upstream was tried
  }

  private drop(pair: { client: Socket; upstream: Socket }): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.resetAndDestroy();
    pair.upstream.destroy();
  }
}
