// Failover: three Forum nodes behind HAProxy (the e2e harness, test/support/cluster-harness.ts),
// PAGES live question pages (the browser runtime's protocol, in Node) through the balancer; one
// node is killed with SIGKILL, RUNS times (a fresh node takes its slot between runs). Measured
// from the kill: (a) the membership update (a ClusterManager in this process sees the node
// leave), (b) every page that was on the killed node has rejoined another node (the last rejoin),
// and (c) HAProxy's checks mark it DOWN.
// Run: npm run bench -- cluster/failover   (MariaDB, Redis and HAProxy as for the e2e tests)
process.env.LATTICE_TEST_RUN ??= `bench${process.pid}`;
import 'reflect-metadata';
import { ClusterManager } from '@lattice/cluster';
import { loadavg } from 'node:os';
import { bootMember } from '../../test/integration/cluster/fixtures/membership-app';
import { startCluster } from '../../test/support/cluster-harness';
import { Page } from '../../test/support/live-page';
import { machine, median, percentile, writeSection } from '../support';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAGES = Number(process.env.BENCH_PAGES ?? 30);

const hr = () => performance.now();

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  const cluster = await startCluster({ nodes: 3, spare: RUNS, label: 'bench-failover' });
  const observer = await bootMember(
    { REDIS_URL: cluster.env.REDIS_URL, REDIS_KEY_PREFIX: cluster.env.REDIS_KEY_PREFIX },
    { role: 'worker' },
  );
  const membership = observer.get(ClusterManager);
  const ttlMs = membership.settings.ttlMs;
  const results: Array<{ membership: number; pages: number; balancer: number; moved: number }> = [];
  try {
    const question = (
      (await (await fetch(`${cluster.url}/questions?limit=1`)).json()) as {
        items: Array<{ id: number }>;
      }
    ).items[0].id;
    for (let run = 0; run < RUNS; run++) {
      const alive = cluster.nodes.filter((n) => n.alive);
      await membership.waitFor(
        (m) => m.filter((n) => n.role === 'web').length === alive.length,
        60_000,
      );
      const pages: Array<{ page: Page; dropped: boolean; rejoinedAt?: number }> = [];
      for (let i = 0; i < PAGES; i += 10)
        await Promise.all(
          Array.from({ length: Math.min(10, PAGES - i) }, async () => {
            // Each page from its own HTML: its own live topic and token, as in a browser.
            const markup = await (await fetch(`${cluster.url}/q/${question}`)).text();
            const entry: { page: Page; dropped: boolean; rejoinedAt?: number } = {
              page: Page.fromHtml(cluster.host, markup),
              dropped: false,
            };
            pages.push(entry);
            await entry.page.join();
            entry.page.client.on('state', (state) => {
              if (state === 'closed') entry.dropped = true;
            });
            entry.page.client
              .channel(entry.page.topic)
              .on('rejoined', () => (entry.rejoinedAt = hr()));
          }),
        );
      const victim = alive[run % alive.length];
      let left: number | undefined;
      const off = membership.on('leave', (node) => {
        if (node.port === victim.port) left ??= hr();
      });
      let down: number | undefined;
      const killedAt = hr();
      victim.process.child.kill('SIGKILL');
      const deadline = Date.now() + 60_000;
      while (
        left === undefined ||
        down === undefined ||
        pages.some((p) => p.dropped && p.rejoinedAt === undefined)
      ) {
        if (Date.now() > deadline)
          throw new Error(`run ${run}: failover did not finish within 60 s`);
        if (
          down === undefined &&
          (await cluster.haproxy.serverStatus())[victim.name]?.startsWith('DOWN')
        )
          down = hr();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      off();
      const moved = pages.filter((p) => p.dropped);
      const result = {
        membership: left - killedAt,
        pages: moved.length ? Math.max(...moved.map((p) => p.rejoinedAt!)) - killedAt : 0,
        balancer: down - killedAt,
        moved: moved.length,
      };
      results.push(result);
      console.log(`run ${run + 1}: ${JSON.stringify(result)}`);
      for (const { page } of pages) page.client.close();
      await victim.exited;
      if (run < RUNS - 1) await cluster.addNode();
    }
  } finally {
    await observer.close();
    await cluster.stop();
  }
  const row = (name: string, values: number[]) =>
    `| ${name} | ${Math.round(median(values))} | ${Math.round(percentile(values, 99))} | ${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))} |`;
  writeSection(
    'cluster-failover',
    [
      '## Cluster: failover after kill -9',
      '',
      `\`npm run bench -- cluster/failover\` · ${machine()} · 3 Forum nodes (MariaDB, Redis) behind HAProxy (checks every 200 ms, fall 2), membership heartbeat 1 s, TTL ${ttlMs} ms; ${PAGES} live question pages through the balancer (the runtime's protocol in Node); ${RUNS} runs, one node killed with SIGKILL each run (${results.map((r) => r.moved).join(', ')} pages were on it). Load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end.`,
      '',
      '| from kill -9 to | median ms | p99 ms | range ms |',
      '| --- | ---: | ---: | ---: |',
      row(
        '(a) membership: the node left, as another member sees it',
        results.map((r) => r.membership),
      ),
      row(
        '(b) every page of the killed node rejoined on another node',
        results.map((r) => r.pages),
      ),
      row(
        '(c) HAProxy marks it DOWN',
        results.map((r) => r.balancer),
      ),
      '',
      `With ${RUNS} runs, p99 is the slowest run. (b) is bounded by the client's reconnect backoff (first retry within 500 ms, jittered), not by the membership: pages rejoin on any node as soon as HAProxy sends them to a live one.`,
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
