// Cluster fan-out and the cost of membership.
//   Fan-out: SUBSCRIBERS ws clients on one public events channel, spread evenly over 1 or 3 nodes
//   (one Redis); node 1 publishes bursts; delivered messages/s and publish → receive latency
//   (p50/p99, each message timed from its own broadcast call, on process.hrtime's clock).
//   Heartbeats: 3 idle nodes for WINDOW_S seconds with ClusterModule (default 1 s beat) and
//   without: Redis commands/s (INFO commandstats delta on a private redis-server), CPU per node,
//   event-loop delay p99.
// Run: npm run bench -- cluster/fanout   (needs redis-server on PATH; starts its own)
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { type ClientReport } from '../events-clients';
import { machine, median, percentile, writeSection } from '../support';
import { ask, child, commandCounts, freePort, privateRedis } from './cluster-bench.support';
import type { NodeReport } from './fanout-node.child';

const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 600);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 10);
const CLIENT_PROCESSES = 2;
const TOPIC = 'channel:question.1';

let roundNo = 0;

async function startNodes(count: number, redisUrl: string, cluster: boolean, prefix: string) {
  const nodes: Array<{ proc: ChildProcess; port: number }> = [];
  for (let i = 0; i < count; i++) {
    const port = await freePort();
    const proc = child(join(__dirname, 'fanout-node.child.ts'), {
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      PORT: String(port),
      CLUSTER: cluster ? 'on' : 'off',
    });
    nodes.push({ proc, port });
  }
  await Promise.all(nodes.map((n) => ask<NodeReport & { cmd: 'ready' }>(n.proc, null, 'ready')));
  return nodes;
}

async function stopAll(procs: ChildProcess[]) {
  await Promise.all(
    procs.map(async (p) => {
      if (p.exitCode !== null) return;
      p.kill('SIGKILL');
      await new Promise((resolve) => p.once('exit', resolve));
    }),
  );
}

interface FanoutRow {
  nodes: number;
  rates: number[];
  latencies: number[];
}

async function fanout(count: number, redisUrl: string): Promise<FanoutRow> {
  const nodes = await startNodes(count, redisUrl, true, `bench:fanout:${count}:`);
  const clients = Array.from({ length: CLIENT_PROCESSES }, () =>
    child(join(__dirname, '..', 'events-clients.ts')),
  );
  try {
    // Subscribers spread evenly: each client process holds its share on every node.
    const each = Math.floor(SUBSCRIBERS / count / CLIENT_PROCESSES);
    for (const node of nodes)
      await Promise.all(
        clients.map((c) =>
          ask(
            c,
            {
              cmd: 'connect',
              group: 'g',
              url: `ws://127.0.0.1:${node.port}/socket`,
              count: each,
              join: TOPIC,
            },
            'connected',
          ),
        ),
      );
    const subscribers = each * CLIENT_PROCESSES * count;
    const rates: number[] = [];
    const latencies: number[] = [];
    for (let round = 0; round <= ROUNDS; round++) {
      const r = ++roundNo;
      await Promise.all(
        clients.map((c) =>
          ask(c, { cmd: 'expect', group: 'g', round: r, messages: MESSAGES }, 'expecting'),
        ),
      );
      const received = Promise.all(
        clients.map((c) =>
          ask<Extract<ClientReport, { cmd: 'received' }>>(c, null, 'received', 120_000),
        ),
      );
      await ask(nodes[0].proc, { cmd: 'publish', round: r, messages: MESSAGES }, 'published');
      const reports = await received;
      if (round === 0) continue; // warm-up
      const first = Math.min(...reports.map((x) => x.firstSent));
      const last = Math.max(...reports.map((x) => x.lastAt));
      rates.push((subscribers * MESSAGES) / ((last - first) / 1000));
      for (const report of reports) latencies.push(...report.latencies);
    }
    return { nodes: count, rates, latencies };
  } finally {
    await stopAll([...clients, ...nodes.map((n) => n.proc)]);
  }
}

interface HeartbeatRow {
  cluster: boolean;
  commandsPerSecond: number;
  byCommand: Record<string, number>;
  cpuPercentPerNode: number;
  loopP99Ms: number;
}

async function heartbeats(
  cluster: boolean,
  redis: Awaited<ReturnType<typeof privateRedis>>,
): Promise<HeartbeatRow> {
  const nodes = await startNodes(3, redis.url, cluster, `bench:beats:${cluster}:`);
  try {
    // Let the start settle (first beats, subscriptions), then measure an idle window.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await Promise.all(nodes.map((n) => ask(n.proc, { cmd: 'stats' }, 'stats')));
    const before = await commandCounts(redis.client);
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_S * 1000));
    const after = await commandCounts(redis.client);
    const seconds = (performance.now() - started) / 1000;
    const stats = await Promise.all(
      nodes.map((n) =>
        ask<Extract<NodeReport, { cmd: 'stats' }>>(n.proc, { cmd: 'stats' }, 'stats'),
      ),
    );
    const byCommand: Record<string, number> = {};
    let total = 0;
    for (const [name, calls] of Object.entries(after)) {
      // The two INFO calls of the measurement itself are not the nodes'.
      const delta = calls - (before[name] ?? 0) - (name === 'info' ? 1 : 0);
      if (delta > 0) {
        byCommand[name] = Math.round((delta / seconds) * 10) / 10;
        total += delta;
      }
    }
    return {
      cluster,
      commandsPerSecond: total / seconds,
      byCommand,
      cpuPercentPerNode: median(stats.map((s) => s.cpuMicros / 1e6 / seconds)) * 100,
      loopP99Ms: median(stats.map((s) => s.loopP99Ms)),
    };
  } finally {
    await stopAll(nodes.map((n) => n.proc));
  }
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const redis = await privateRedis();
  try {
    const rows: FanoutRow[] = [];
    for (const count of [1, 3]) {
      const row = await fanout(count, redis.url);
      rows.push(row);
      console.log(
        `fan-out, ${count} node(s): ${Math.round(median(row.rates))} msg/s, p50 ${percentile(row.latencies, 50).toFixed(1)} ms, p99 ${percentile(row.latencies, 99).toFixed(1)} ms`,
      );
    }
    const beats: HeartbeatRow[] = [];
    for (const cluster of [false, true]) {
      const row = await heartbeats(cluster, redis);
      beats.push(row);
      console.log(`heartbeats, ClusterModule ${cluster ? 'on' : 'off'}:`, JSON.stringify(row));
    }
    const [off, on] = beats;
    writeSection(
      'cluster-fanout',
      [
        '## Cluster: fan-out across nodes, and the cost of membership',
        '',
        `\`npm run bench -- cluster/fanout\` · ${machine()} · a private redis-server started by the benchmark · load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`,
        '',
        'Every node, every client process and Redis share the same 2 cores. With 3 nodes the sending (serializing, ws writes) is split over three processes that can use both cores, plus one Redis pub/sub hop to nodes 2 and 3; with 1 node one process does it all. Neither row is what separate machines would give.',
        '',
        `### Broadcast fan-out: ${SUBSCRIBERS} subscribers spread over the nodes`,
        '',
        `One events channel, subscribers (ws clients in ${CLIENT_PROCESSES} child processes) split evenly over the nodes; node 1 broadcasts bursts of ${MESSAGES} messages (${ROUNDS} timed bursts after a warm-up). Messages/s: deliveries per burst ÷ (last arrival − first broadcast call), median of the bursts. Latency: each message from its own broadcast call to its arrival at each subscriber.`,
        '',
        '| nodes | delivered msg/s (median) | p50 ms | p99 ms |',
        '| --- | ---: | ---: | ---: |',
        ...rows.map(
          (r) =>
            `| ${r.nodes} | ${Math.round(median(r.rates)).toLocaleString('en')} | ${percentile(r.latencies, 50).toFixed(1)} | ${percentile(r.latencies, 99).toFixed(1)} |`,
        ),
        '',
        `### Membership heartbeats: 3 idle nodes, ${WINDOW_S} s, default 1 s beat`,
        '',
        '| | Redis commands/s (all 3 nodes) | CPU per node | event-loop delay p99 |',
        '| --- | ---: | ---: | ---: |',
        ...beats.map(
          (b) =>
            `| ClusterModule ${b.cluster ? 'on' : 'off'} | ${b.commandsPerSecond.toFixed(1)} | ${b.cpuPercentPerNode.toFixed(2)} % | ${b.loopP99Ms.toFixed(1)} ms |`,
        ),
        '',
        `Membership's own share: ${(on.commandsPerSecond - off.commandsPerSecond).toFixed(1)} Redis commands/s for 3 nodes (${((on.commandsPerSecond - off.commandsPerSecond) / 3).toFixed(1)} per node); by command with ClusterModule on: ${Object.entries(
          on.byCommand,
        )
          .sort((a, b) => b[1] - a[1])
          .map(([name, rate]) => `${name} ${rate}/s`)
          .join(', ')}.`,
      ].join('\n'),
    );
  } finally {
    await redis.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
