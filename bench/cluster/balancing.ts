// Load balancing strategies (decision 0041): picks per second for each strategy, the hash the
// consistent-hash ring uses against node:crypto's, the ring's build time, and how many keys move
// when a node joins or leaves, with the spread of keys over nodes, by virtual nodes per node.
// Run: node -r @swc-node/register bench/cluster/balancing.ts (writes docs/benchmarks.md).
import { createHash, hash as cryptoHash } from 'node:crypto';
import { loadavg } from 'node:os';
import {
  ConsistentHashStrategy,
  LoadBalancer,
  murmur3,
  type BalancingStrategyName,
  type ClusterNode,
} from '@lattice/cluster';
import { machine, median, writeSection } from '../support';

const STRATEGIES: BalancingStrategyName[] = [
  'round-robin',
  'least-connections',
  'weighted',
  'consistent-hash',
  'power-of-two',
];

function node(i: number): ClusterNode {
  return {
    id: `forum-web-${1000 + i}-${(0xa1b2c3 + 7919 * i).toString(16)}`,
    host: `10.0.0.${i + 1}`,
    port: 3000,
    version: '1.0.0',
    role: 'web',
    startedAt: 0,
    capabilities: [],
    services: [],
    weight: 1 + (i % 3),
    status: 'up',
    heartbeatAt: 0,
    load: {
      connections: (i * 37) % 101,
      liveSessions: 0,
      jobsActive: i % 4,
      eventLoopLagMs: 0,
      heapUsedBytes: 0,
      gauges: {},
    },
  };
}

/** Operations per second of `run(i)` over `count` calls: the median of 5 rounds after a warm-up. */
function rate(count: number, run: (i: number) => unknown): number {
  let sink = 0;
  const round = () => {
    const start = performance.now();
    for (let i = 0; i < count; i++) if (run(i)) sink++;
    return count / ((performance.now() - start) / 1000);
  };
  round();
  const rounds = Array.from({ length: 5 }, round);
  if (sink < 0) console.log(sink); // keeps the calls from being optimized away
  return median(rounds);
}

const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)} k` : n.toFixed(0);

const load = loadavg()[0].toFixed(1);
const keys = Array.from({ length: 100_000 }, (_, i) => `question.${i}`);

// 1. Picks per second.
const pickRows: string[] = [];
for (const size of [5, 50]) {
  const candidates = Array.from({ length: size }, (_, i) => node(i));
  for (const name of STRATEGIES) {
    const balancer = LoadBalancer.of(name);
    const picks = rate(300_000, (i) => balancer.pick(candidates, keys[i % keys.length]));
    const orders = rate(30_000, (i) => balancer.order(candidates, keys[i % keys.length]));
    pickRows.push(`| ${name} | ${size} | ${fmt(picks)} | ${fmt(orders)} |`);
    console.log(`${name} × ${size}: ${fmt(picks)} picks/s, ${fmt(orders)} orders/s`);
  }
}

// 2. The ring's hash: murmur3 (ours) against node:crypto on the same keys.
const hashes: Array<[string, (text: string) => number]> = [
  ['murmur3 (ours, UTF-8)', (text) => murmur3(text)],
  ['crypto.hash md5, first 32 bits', (text) => parseInt(cryptoHash('md5', text).slice(0, 8), 16)],
  [
    'createHash(md5), first 32 bits',
    (text) => createHash('md5').update(text).digest().readUInt32BE(0),
  ],
  ['crypto.hash sha1, first 32 bits', (text) => parseInt(cryptoHash('sha1', text).slice(0, 8), 16)],
];
const hashRows = hashes.map(([name, fn]) => {
  const perSecond = rate(300_000, (i) => fn(keys[i % keys.length]));
  console.log(`${name}: ${fmt(perSecond)} hashes/s`);
  return `| ${name} | ${fmt(perSecond)} | ${(1e9 / perSecond).toFixed(0)} ns |`;
});

// 3. Ring build time (a new set of ids), by nodes and virtual nodes.
const buildRows: string[] = [];
for (const size of [5, 50]) {
  for (const virtualNodes of [160]) {
    const ids = Array.from({ length: size }, (_, i) => node(i).id);
    const times: number[] = [];
    for (let round = 0; round < 7; round++) {
      const strategy = new ConsistentHashStrategy(virtualNodes);
      const start = performance.now();
      strategy.ownerOf(ids, 'k');
      times.push(performance.now() - start);
    }
    buildRows.push(`| ${size} | ${virtualNodes} | ${median(times).toFixed(2)} ms |`);
  }
}

// 4. Keys moved on join and leave, and the spread, by virtual nodes.
function owners(ids: string[], virtualNodes: number): string[] {
  const strategy = new ConsistentHashStrategy(virtualNodes);
  return keys.map((key) => strategy.ownerOf(ids, key));
}
const moveRows: string[] = [];
for (const virtualNodes of [40, 160, 320]) {
  for (const size of [3, 5, 10]) {
    const ids = Array.from({ length: size }, (_, i) => node(i).id);
    const before = owners(ids, virtualNodes);
    const joined = owners([...ids, node(size).id], virtualNodes);
    const left = owners(ids.slice(1), virtualNodes);
    const share = (after: string[]) =>
      before.filter((owner, i) => owner !== after[i]).length / keys.length;
    const counts = new Map<string, number>();
    for (const owner of before) counts.set(owner, (counts.get(owner) ?? 0) + 1);
    const even = keys.length / size;
    const spread = Math.max(...[...counts.values()].map((c) => Math.abs(c / even - 1)));
    const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
    moveRows.push(
      `| ${virtualNodes} | ${size} → ${size + 1} | ${pct(share(joined))} | ${pct(1 / (size + 1))} | ${size} → ${size - 1} | ${pct(share(left))} | ${pct(1 / size)} | ±${pct(spread)} |`,
    );
    console.log(moveRows.at(-1));
  }
}

writeSection(
  'cluster-balancing',
  `## Cluster: load balancing strategies (\`node -r @swc-node/register bench/cluster/balancing.ts\`)

${machine()}, load average ${load} at the start. Pure computation, no Redis: what one
\`LoadBalancer\` call costs, and how consistent hashing behaves (decision 0041). Candidates are
ClusterNode objects with ids shaped like core's node ids; keys \`question.0\` … \`question.99999\`.
The rates are the median of 5 rounds and move with the machine's load; the key movement and
spread figures are exact (the hash is deterministic) and the same on every run.

| strategy | nodes | picks/s | order()/s |
| --- | --- | --- | --- |
${pickRows.join('\n')}

The ring's hash, per key (\`question.<n>\`):

| hash | hashes/s | per hash |
| --- | --- | --- |
${hashRows.join('\n')}

Building the ring for a new set of node ids (once per membership change):

| nodes | virtual nodes | build |
| --- | --- | --- |
${buildRows.join('\n')}

Keys moved (of 100,000) when a node joins or the first one leaves, against the ideal 1/N, and the
largest deviation of a node's share from the even share before the change:

| virtual nodes | join | moved | ideal | leave | moved | ideal | spread |
| --- | --- | --- | --- | --- | --- | --- | --- |
${moveRows.join('\n')}
`,
);
console.log('written to docs/benchmarks.md');
