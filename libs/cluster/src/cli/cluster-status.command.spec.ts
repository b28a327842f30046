import { CliExitCode, runLatticeCli } from '@lattice/core/cli';
import { Global, Module } from '@nestjs/common';
import type { ClusterNode } from '../cluster.interfaces';
import { LeaderElection } from '../leader/leader-election';
import { ClusterManager } from '../membership/cluster-manager';
import { formatAge, formatBytes, formatDuration } from '../status/cluster-status';
import { ClusterCommandsModule } from './cluster-commands.module';
import type { ClusterStatusJson } from './cluster-status.command';

const now = Date.now();

function member(id: string, extra: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id,
    host: 'forum-1.internal',
    port: 3000,
    version: '1.4.0',
    role: 'web',
    startedAt: now - 3_723_000,
    capabilities: [],
    services: [],
    weight: 1,
    status: 'up',
    heartbeatAt: now - 400,
    load: {
      connections: 12,
      liveSessions: 7,
      jobsActive: 0,
      eventLoopLagMs: 1.25,
      heapUsedBytes: 91_542_016,
      gauges: {},
    },
    ...extra,
  };
}

/** The registry as the command reads it; membership's own tests cover how it gets there. */
const registry = {
  driver: 'redis' as 'redis' | 'memory',
  nodes: [] as ClusterNode[],
  reads: 0,
};
const cluster = {
  get nodeId() {
    return 'cli-process';
  },
  get driver() {
    return registry.driver;
  },
  async refresh() {
    registry.reads++;
    return registry.nodes;
  },
} as unknown as ClusterManager;
const leader: Pick<LeaderElection, never> & { leaderId?: string } = {
  leaderId: 'forum-b-2-bbbbbb',
};

@Global()
@Module({
  providers: [
    { provide: ClusterManager, useValue: cluster },
    { provide: LeaderElection, useValue: leader },
  ],
  exports: [ClusterManager, LeaderElection],
})
class FakeClusterModule {}

@Module({ imports: [FakeClusterModule, ClusterCommandsModule] })
class TestCli {}

async function cli(argv: string[], whileRunning?: (stdout: () => string) => Promise<void>) {
  const out: string[] = [];
  const err: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const running = runLatticeCli(TestCli, {
      name: 'lattice',
      argv,
      logger: false,
      output: { writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) },
    });
    await whileRunning?.(() => out.join(''));
    const code = await running;
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    write.mockRestore();
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('lattice cluster:status', () => {
  beforeEach(() => {
    registry.driver = 'redis';
    registry.reads = 0;
    registry.nodes = [
      member('forum-a-1-aaaaaa'),
      member('forum-b-2-bbbbbb', { host: 'forum-2.internal', status: 'draining' }),
      member('worker-c-3-cccccc', {
        role: 'worker',
        port: null,
        host: 'worker-1.internal',
        heartbeatAt: now - 12_500,
        status: 'suspect',
        load: {
          connections: 0,
          liveSessions: 0,
          jobsActive: 3,
          eventLoopLagMs: 42.4,
          heapUsedBytes: 2_300_000_000,
          gauges: {},
        },
      }),
      // The command's own process, should membership register it: not listed.
      member('cli-process', { role: 'worker', port: null }),
    ];
    leader.leaderId = 'forum-b-2-bbbbbb';
  });

  it('prints a table of the nodes with their load, heartbeat age and the leader', async () => {
    const { code, stdout } = await cli(['cluster:status']);
    expect(code).toBe(CliExitCode.Success);
    expect(stdout).toMatch(
      /Node\s+│ Role\s+│ Status\s+│ Address\s+│ Version │ Uptime\s+│ Connections │ Live sessions │ Jobs │ Loop lag │ Heap\s+│ Heartbeat/,
    );
    expect(stdout).toMatch(
      /forum-a-1-aaaaaa\s+│ web\s+│ up\s+│ forum-1\.internal:3000 │ 1\.4\.0\s+│ 1 h 2 min │ 12\s+│ 7\s+│ 0\s+│ 1\.3 ms\s+│ 87\.3 MB │ 0\.\d s ago/,
    );
    expect(stdout).toMatch(/forum-b-2-bbbbbb ★ │ web\s+│ draining │ forum-2\.internal:3000/);
    expect(stdout).toMatch(
      /worker-c-3-cccccc\s+│ worker │ suspect\s+│ worker-1\.internal\s+│.*│ 3\s+│ 42 ms\s+│ 2\.14 GB │ 1\d s ago/,
    );
    expect(stdout).not.toContain('cli-process');
    expect(stdout).toContain('3 nodes (2 web, 1 worker) on redis; leader forum-b-2-bbbbbb (★).');
  });

  it('prints JSON with --json, the leader flagged and the ages computed', async () => {
    const { stdout } = await cli(['cluster:status', '--json']);
    const json = JSON.parse(stdout) as ClusterStatusJson;
    expect(json.driver).toBe('redis');
    expect(json.leaderId).toBe('forum-b-2-bbbbbb');
    expect(json.nodes.map((n) => [n.id, n.leader])).toEqual([
      ['forum-a-1-aaaaaa', false],
      ['forum-b-2-bbbbbb', true],
      ['worker-c-3-cccccc', false],
    ]);
    expect(json.nodes[2].heartbeatAgeMs).toBeGreaterThanOrEqual(12_500);
    expect(json.nodes[0].uptimeMs).toBeGreaterThanOrEqual(3_723_000);
    expect(json.nodes[0].load.connections).toBe(12);
  });

  it('goes without the marker when no leader is known, and says when the registry is empty', async () => {
    leader.leaderId = undefined;
    expect((await cli(['cluster:status'])).stdout).toContain('on redis; no leader known.');
    registry.nodes = [];
    expect((await cli(['cluster:status'])).stdout).toContain(
      'No nodes in the registry: no app process with ClusterModule is heartbeating on this Redis.',
    );
  });

  it('says that without Redis it sees only its own process', async () => {
    registry.driver = 'memory';
    registry.nodes = [member('cli-process')];
    const { stdout } = await cli(['cluster:status']);
    expect(stdout).toContain('No REDIS_URL: the membership registry is in memory');
    expect(stdout).toContain('cli-process');
  });

  it('reads again every --interval with --watch until Ctrl+C', async () => {
    const { code, stdout } = await cli(
      ['cluster:status', '--watch', '--interval', '0.05'],
      async (output) => {
        await until(() => registry.reads >= 3, 'three reads');
        await until(
          () => output().split('Every 0.05 s; Ctrl+C to stop.').length > 3,
          'three frames',
        );
        process.emit('SIGINT');
      },
    );
    expect(code).toBe(CliExitCode.Success);
    expect(stdout.match(/3 nodes \(2 web, 1 worker\)/g)!.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a bad --interval', async () => {
    const bad = await cli(['cluster:status', '--watch', '--interval', '0']);
    expect(bad.code).toBe(CliExitCode.Usage);
    expect(bad.stderr).toContain(
      '--interval must be a number of seconds from 0.05 to 3600, got "0".',
    );
  });

  it('formats durations, ages and sizes for people', () => {
    expect(formatDuration(12_400)).toBe('12 s');
    expect(formatDuration(303_000)).toBe('5 min 3 s');
    expect(formatDuration(7_440_000)).toBe('2 h 4 min');
    expect(formatDuration(3 * 86_400_000 + 7 * 3_600_000)).toBe('3 d 7 h');
    expect(formatAge(430)).toBe('0.4 s');
    expect(formatAge(-5)).toBe('0.0 s');
    expect(formatAge(75_000)).toBe('1 min 15 s');
    expect(formatBytes(524_288)).toBe('512 KB');
    expect(formatBytes(1_288_490_189)).toBe('1.20 GB');
  });
});
