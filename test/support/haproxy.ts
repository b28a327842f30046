import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';

/** Debian's HAProxy (`apt-get install haproxy`); HAPROXY_PATH points elsewhere. */
export const HAPROXY_PATH = process.env.HAPROXY_PATH ?? '/usr/sbin/haproxy';

/** Whether the cluster suites can run here; the detail says why not, for the skip message. */
export function haproxyAvailable(): { up: boolean; detail: string } {
  return existsSync(HAPROXY_PATH)
    ? { up: true, detail: HAPROXY_PATH }
    : {
        up: false,
        detail: `no HAProxy at ${HAPROXY_PATH} (apt-get install haproxy, or set HAPROXY_PATH)`,
      };
}

/** One backend server: a name (also the `X-Lattice-Backend` response header) and its port. */
export interface BackendServer {
  name: string;
  port: number;
}

export interface HaproxyOptions {
  /** Where haproxy.cfg and the admin socket go (a temp dir the caller removes). */
  dir: string;
  /** The frontend's port (127.0.0.1). */
  port: number;
  /** Every server slot; a slot nobody listens on yet is simply DOWN until its node is ready. */
  servers: BackendServer[];
  /** `roundrobin` (default) or `leastconn`. */
  balance?: 'roundrobin' | 'leastconn';
  /**
   * Sticky sessions by cookie (`LATTICE_NODE`): a browser keeps its node while it is up, and is
   * sent to another one (with a new cookie) when it is not. Not needed by Lattice, whose live pages
   * rejoin on any node; offered to show both setups work.
   */
  sticky?: boolean;
}

/** A server's state as HAProxy's checks see it: `UP`, `DOWN`, `MAINT`, `UP 1/2` (going down)… */
export type ServerStatus = string;

/**
 * The configuration decision 0046 describes: readiness checks every 200 ms (a dead or draining
 * node leaves the rotation after two failed checks, a ready one joins after one), long tunnel
 * timeouts for WebSockets, and a request whose connection fails is sent to another server.
 */
export function haproxyConfig(options: HaproxyOptions): string {
  const { dir, port, servers, balance = 'roundrobin', sticky = false } = options;
  return [
    'global',
    '  maxconn 4000',
    `  stats socket ${join(dir, 'admin.sock')} mode 600 level admin`,
    '',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 60s',
    '  timeout server 60s',
    // An upgraded WebSocket is a tunnel: idle pages (between heartbeats) must not be cut.
    '  timeout tunnel 1h',
    '  timeout http-keep-alive 10s',
    '  timeout http-request 10s',
    // A loaded test machine can take longer than `inter` to answer; a dead node refuses at once.
    '  timeout check 2s',
    // A request whose connection to a server fails (a node just killed, not yet marked DOWN) is
    // retried on another one; GETs also on an empty answer (a keep-alive connection the node
    // closed as it was reused).
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response response-timeout 503',
    '',
    'frontend lattice',
    `  bind 127.0.0.1:${port}`,
    '  default_backend forum',
    '',
    'backend forum',
    `  balance ${balance}`,
    '  option httpchk GET /health/ready',
    '  http-check expect status 200',
    '  option forwardfor',
    // Which node answered: tests read it on HTTP answers and on the WebSocket's 101.
    '  http-response set-header X-Lattice-Backend %[srv_name]',
    ...(sticky ? ['  cookie LATTICE_NODE insert indirect nocache httponly'] : []),
    '  default-server inter 200ms fastinter 200ms downinter 200ms fall 2 rise 1',
    ...servers.map(
      (s) => `  server ${s.name} 127.0.0.1:${s.port} check${sticky ? ` cookie ${s.name}` : ''}`,
    ),
    '',
  ].join('\n');
}

/**
 * HAProxy in its own process, in the foreground (`-db`), with the configuration written to `dir`;
 * `serverStatus()` reads the checks' view through the admin socket.
 */
export class Haproxy {
  readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly options: HaproxyOptions) {
    const file = join(options.dir, 'haproxy.cfg');
    writeFileSync(file, haproxyConfig(options));
    this.child = spawn(HAPROXY_PATH, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  /** Starts HAProxy and resolves once its admin socket answers (the frontend is bound by then). */
  static async start(options: HaproxyOptions): Promise<Haproxy> {
    const haproxy = new Haproxy(options);
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (haproxy.child.exitCode !== null)
        throw new Error(`HAProxy exited with ${haproxy.child.exitCode}:\n${haproxy.log}`);
      try {
        await haproxy.command('show info');
        return haproxy;
      } catch (error) {
        if (Date.now() > deadline)
          throw new Error(
            `HAProxy's admin socket did not answer: ${String(error)}\n${haproxy.log}`,
            { cause: error },
          );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** What HAProxy printed (warnings, alerts). */
  get log(): string {
    return this.output;
  }

  get url(): string {
    return `http://127.0.0.1:${this.options.port}`;
  }

  /** One command on the admin socket (`show stat`, `disable server forum/n1`…); its answer. */
  async command(line: string): Promise<string> {
    const socket = createConnection(join(this.options.dir, 'admin.sock'));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    await once(socket, 'connect');
    socket.end(`${line}\n`);
    await once(socket, 'close');
    return answer;
  }

  /** Each backend server's status as the health checks see it. */
  async serverStatus(): Promise<Record<string, ServerStatus>> {
    const [header, ...rows] = (await this.command('show stat')).trim().split('\n');
    const columns = header.replace(/^# /, '').split(',');
    const [px, sv, st] = ['pxname', 'svname', 'status'].map((c) => columns.indexOf(c));
    const status: Record<string, ServerStatus> = {};
    for (const row of rows) {
      const cells = row.split(',');
      if (cells[px] === 'forum' && cells[sv] !== 'BACKEND') status[cells[sv]] = cells[st];
    }
    return status;
  }

  /** Hard stop (SIGTERM): every connection through it is closed. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
