import { once } from 'node:events';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDrain } from './http-drain';

function get(
  agent: Agent,
  port: number,
  path = '/',
): Promise<{ status: number; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.once('end', () =>
        resolve({ status: res.statusCode!, connection: res.headers.connection }),
      );
    });
    req.once('error', reject);
    req.end();
  });
}

// A real http.Server on a random port: the drain is about sockets, so nothing here is faked.
describe('HttpDrain', () => {
  let server: Server;
  let drain: HttpDrain;
  let port: number;
  const hanging: Array<() => void> = [];

  beforeEach(async () => {
    server = createServer((req, res) => {
      if (req.url === '/hang') hanging.push(() => res.end('late'));
      else res.end('ok');
    });
    drain = new HttpDrain(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => {
    hanging.splice(0).forEach((finish) => finish());
    server.closeAllConnections();
    server.close();
  });

  it('answers a request sent on an idle keep-alive connection during the drain, with Connection: close, then refuses new ones', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    expect(await get(agent, port)).toEqual({ status: 200, connection: 'keep-alive' });
    const drained = drain.drain({ timeoutMs: 5000, idleGraceMs: 5000 });
    // The listener closes after one turn of the event loop; the idle connection stays open.
    while (server.listening) await new Promise((resolve) => setImmediate(resolve));
    expect(await get(agent, port)).toEqual({ status: 200, connection: 'close' });
    expect(await drained).toEqual({ destroyed: 0 });
    await expect(get(agent, port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
  });

  it('closes an idle keep-alive connection after the grace', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(agent, port);
    expect(drain.openConnections).toBe(1);
    expect(await drain.drain({ timeoutMs: 5000, idleGraceMs: 50 })).toEqual({ destroyed: 0 });
    expect(drain.openConnections).toBe(0);
    agent.destroy();
  });

  it('lets a response in progress finish with Connection: close', async () => {
    const agent = new Agent({ keepAlive: true });
    const slow = get(agent, port, '/hang');
    await new Promise<void>((resolve) => server.once('request', () => resolve()));
    const drained = drain.drain({ timeoutMs: 5000, idleGraceMs: 50 });
    while (server.listening) await new Promise((resolve) => setImmediate(resolve));
    hanging.shift()!();
    expect(await slow).toEqual({ status: 200, connection: 'close' });
    expect(await drained).toEqual({ destroyed: 0 });
    agent.destroy();
  });

  it('destroys connections still open at the timeout and returns', async () => {
    const agent = new Agent({ keepAlive: true });
    const stuck = get(agent, port, '/hang').catch((error: NodeJS.ErrnoException) => error.code);
    await new Promise<void>((resolve) => server.once('request', () => resolve()));
    expect(await drain.drain({ timeoutMs: 100, idleGraceMs: 50 })).toEqual({ destroyed: 1 });
    expect(await stuck).toBe('ECONNRESET');
    agent.destroy();
  });
});
