import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Haproxy } from './haproxy';
import { freePort, TsProcess } from './processes';
import { TEST_REDIS_URL } from './services';
import { createTestDatabase, uniqueRedisPrefix, type TestDatabase } from './test-resources';
import { PROCESS_START_MS, waitFor } from './wait';

/**
 * Several Forum processes on one Redis and one MariaDB database behind HAProxy, as a developer or
 * a small deployment runs them (decision 0046). Every process is a real child process; the test
 * kills them with real signals.
 *
 * @example
 * const cluster = await startCluster({ nodes: 3 });
 * try {
 *   await fetch(`${cluster.url}/questions`); // through the balancer
 *   await cluster.nodes[1].kill('SIGKILL');
 * } finally {
 *   await cluster.stop();
 * }
 */

export interface ClusterOptions {
  /** Forum processes started at once (default 3). */
  nodes?: number;
  /** Extra backend slots for `addNode()` (default 1): HAProxy lists them from the start, DOWN. */
  spare?: number;
  /** Variables for every node, over the harness's (secrets, REDIS_KEY_PREFIX, rate limits…). */
  env?: Record<string, string>;
  /** The entry point each node runs (default `src/main.ts`, through @swc-node/register). */
  entry?: string;
  /** Seed the database (500 questions) before the nodes start (default true). */
  seed?: boolean;
  /** HAProxy's balancing: `roundrobin` (default) or `leastconn`. */
  balance?: 'roundrobin' | 'leastconn';
  /** Sticky sessions by cookie (see `HaproxyOptions.sticky`). Default false. */
  sticky?: boolean;
  /** A label for the Redis prefix (default `cluster`). */
  label?: string;
}

/** One Forum process of the cluster. */
export interface ClusterNodeProcess {
  /** `n1`, `n2`…: the HAProxy server name, and the `X-Lattice-Backend` header of its answers. */
  readonly name: string;
  readonly port: number;
  /** Its own address, bypassing the balancer. */
  readonly url: string;
  readonly pid: number;
  readonly process: TsProcess;
  /** Whether the process still runs. */
  readonly alive: boolean;
  /** Sends a signal (default SIGTERM) and resolves with the exit. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface LatticeCluster {
  /** The balancer's address: what browsers and clients use. */
  readonly url: string;
  /** `127.0.0.1:<port>` of the balancer, for `ws://` URLs. */
  readonly host: string;
  readonly nodes: ClusterNodeProcess[];
  readonly haproxy: Haproxy;
  /** The variables every node got (REDIS_URL, REDIS_KEY_PREFIX, DATABASE_URL, secrets…). */
  readonly env: Record<string, string>;
  readonly database: TestDatabase;
  /** A node by its HAProxy server name (`n2`). */
  node(name: string): ClusterNodeProcess;
  /** Starts one more node in a spare slot and resolves once HAProxy sends it traffic. */
  addNode(): Promise<ClusterNodeProcess>;
  /** Resolves when HAProxy's checks see exactly `names` UP (and the others not). */
  waitForRotation(names: string[], timeoutMs?: number): Promise<void>;
  /** Kills every node and HAProxy, drops the database, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Children of every cluster of this process, killed if the test process exits without stop(). */
const running = new Set<{ kill(signal: NodeJS.Signals): unknown }>();
let exitHook = false;
function track(child: { kill(signal: NodeJS.Signals): unknown }): void {
  running.add(child);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** Migrates (and seeds) the database in one process, as `lattice db:migrate` and `db:seed` would. */
async function prepareDatabase(env: Record<string, string>, seed: boolean): Promise<void> {
  const run = new TsProcess('test/e2e/fixtures/cluster-database.ts', {
    ...env,
    CLUSTER_SEED: seed ? 'on' : 'off',
  });
  const exit = await run.exited;
  if (exit.code !== 0)
    throw new Error(
      `Preparing the database failed (${JSON.stringify(exit)}):\n${run.output.stdout}\n${run.output.stderr}`,
    );
}

/**
 * Starts `nodes` Forum processes (MariaDB: a fresh database, migrated and seeded; Redis with a
 * prefix of their own) and HAProxy in front, and resolves when HAProxy's readiness checks see
 * every node up. Everything it started is stopped by `stop()`, also after a failed start.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<LatticeCluster> {
  const { nodes: count = 3, spare = 1, entry = 'src/main.ts', seed = true } = options;
  const dir = mkdtempSync(join(tmpdir(), 'lattice-cluster-'));
  const nodes: ClusterNodeProcess[] = [];
  let haproxy: Haproxy | undefined;
  let database: TestDatabase | undefined;
  let stopped = false;

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(
      nodes.map(async (node) => {
        if (node.alive) await node.kill('SIGKILL');
        running.delete(node.process.child);
      }),
    );
    if (haproxy) {
      await haproxy.stop();
      running.delete(haproxy.child);
    }
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    database = await createTestDatabase();
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix(options.label ?? 'cluster'),
      HOST: '127.0.0.1',
      // Shared by every node: a token or a live page signed on one is accepted by the others.
      JWT_SECRET: 'cluster-test-jwt-secret-of-more-than-32-bytes',
      LIVE_SECRET: 'cluster-test-live-secret-of-more-than-32-characters',
      FORUM_SEED_ON_START: 'never',
      // Every client of a test comes from 127.0.0.1: the per-address limits are not under test.
      RATE_LIMIT_IP_PER_MINUTE: '1000000',
      RATE_LIMIT_USER_PER_MINUTE: '1000000',
      WRITE_LIMIT_VOTES_PER_MINUTE: '100000',
      WRITE_LIMIT_ANSWERS_PER_MINUTE: '100000',
      WRITE_LIMIT_QUESTIONS_PER_MINUTE: '100000',
      // Three nodes, a browser and HAProxy share two busy cores in CI: the 1 s defaults are for
      // production, where a slow dependency should fail fast; here only the load is slow.
      DATABASE_CONNECT_TIMEOUT_MS: '5000',
      DATABASE_ACQUIRE_TIMEOUT_MS: '5000',
      DATABASE_QUERY_TIMEOUT_MS: '5000',
      REDIS_CONNECT_TIMEOUT_MS: '5000',
      REDIS_COMMAND_TIMEOUT_MS: '3000',
      ...options.env,
    };
    // MariaDB is migrated (and seeded) once, before any node starts: on MySQL the Forum leaves
    // migrations to a deploy step, and one seeding process cannot race another.
    await prepareDatabase(env, seed);

    const slots = await Promise.all(
      Array.from({ length: count + spare }, async (_, i) => ({
        name: `n${i + 1}`,
        port: await freePort(),
      })),
    );
    haproxy = await Haproxy.start({
      dir,
      port: await freePort(),
      servers: slots,
      balance: options.balance,
      sticky: options.sticky,
    });
    track(haproxy.child);
    const proxy = haproxy;

    const launch = async (slot: { name: string; port: number }) => {
      const child = new TsProcess(entry, { ...env, PORT: String(slot.port) });
      track(child.child);
      const node: ClusterNodeProcess = {
        name: slot.name,
        port: slot.port,
        url: `http://127.0.0.1:${slot.port}`,
        pid: child.child.pid!,
        process: child,
        get alive() {
          return child.child.exitCode === null && child.child.signalCode === null;
        },
        kill: (signal = 'SIGTERM') => child.stop(signal),
        exited: child.exited,
      };
      nodes.push(node);
      // Nodes boot side by side, each compiling the app from source: twice a lone process's allowance.
      await child.waitFor(/ready on http/, 2 * PROCESS_START_MS);
      return node;
    };

    const waitForRotation = async (names: string[], timeoutMs = PROCESS_START_MS) => {
      const wanted = [...names].sort();
      let last: Record<string, string> = {};
      await waitFor(
        async () => {
          last = await proxy.serverStatus();
          const up = Object.keys(last).filter((name) => last[name] === 'UP');
          return JSON.stringify(up.sort()) === JSON.stringify(wanted);
        },
        {
          what: () => `HAProxy to see ${wanted.join(', ')} up (now: ${JSON.stringify(last)})`,
          timeoutMs,
          intervalMs: 50,
        },
      );
    };

    await Promise.all(slots.slice(0, count).map(launch));
    await waitForRotation(nodes.map((n) => n.name));

    const cluster: LatticeCluster = {
      url: proxy.url,
      host: `127.0.0.1:${proxy.options.port}`,
      nodes,
      haproxy: proxy,
      env,
      database,
      node: (name) => {
        const found = nodes.find((n) => n.name === name);
        if (!found)
          throw new Error(`No node ${name}; nodes: ${nodes.map((n) => n.name).join(', ')}`);
        return found;
      },
      addNode: async () => {
        const slot = slots.find((s) => !nodes.some((n) => n.name === s.name));
        if (!slot)
          throw new Error(
            `No spare slot left: start the cluster with a larger \`spare\` (now ${spare}).`,
          );
        const node = await launch(slot);
        await waitForRotation(nodes.filter((n) => n.alive).map((n) => n.name));
        return node;
      },
      waitForRotation,
      stop,
    };
    return cluster;
  } catch (error) {
    // The output of the nodes says why a start failed.
    const detail = nodes
      .map(
        (n) =>
          `--- ${n.name}:\n${n.process.output.stdout.slice(-3000)}\n${n.process.output.stderr.slice(-3000)}`,
      )
      .join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${detail}`, { cause: error });
  }
}
