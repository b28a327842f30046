import { ClusterManager, ClusterModule, LeaderElection } from '@lattice/cluster';
import { ClusterCommandsModule, type ClusterStatusJson } from '@lattice/cluster/cli';
import { LatticeModule } from '@lattice/core';
import { CliExitCode, runLatticeCli } from '@lattice/core/cli';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import { bootMember } from './fixtures/membership-app';

/**
 * `lattice cluster:status` against real members on Redis: the command runs in its own
 * application context (as the `lattice` CLI runs it), reads the registry and lists the others.
 */
describeWith(['redis'], 'lattice cluster:status on Redis', () => {
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('cluster-status') };
  const apps: INestApplicationContext[] = [];
  let web: ClusterManager;
  let worker: ClusterManager;

  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      ClusterModule.forRoot(),
      ClusterCommandsModule,
    ],
  })
  class StatusCli {}

  /** The command line as the Forum's: an observer, never a member of the cluster it shows. */
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      ClusterModule.forRoot({ role: 'worker', observe: true }),
      ClusterCommandsModule,
    ],
  })
  class ObserverCli {}

  async function cli(argv: string[], module: typeof StatusCli = StatusCli) {
    const out: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const code = await runLatticeCli(module, { argv, logger: false });
      return { code, stdout: out.join('') };
    } finally {
      write.mockRestore();
    }
  }

  beforeAll(async () => {
    apps.push(await bootMember(env, { port: 4100, version: '2.0.0', weight: 3 }));
    apps.push(await bootMember(env, { role: 'worker', version: '2.0.0' }));
    [web, worker] = apps.map((app) => app.get(ClusterManager));
    await web.waitFor((members) => members.length === 2);
  });
  afterAll(() => Promise.all(apps.map((app) => app.close())));

  it('lists the members with their role and address, not its own process', async () => {
    const { code, stdout } = await cli(['cluster:status']);
    expect(code).toBe(CliExitCode.Success);
    // The leader's row is marked (★): the command reads the lease now.
    expect(stdout).toMatch(
      new RegExp(`${web.nodeId}( ★)?\\s+│ web\\s+│ up\\s+│ ${web.self.host}:4100 │ 2\\.0\\.0`),
    );
    expect(stdout).toMatch(
      new RegExp(`${worker.nodeId}( ★)?\\s+│ worker │ up\\s+│ ${worker.self.host}\\s+│ 2\\.0\\.0`),
    );
    expect(stdout).toContain('2 nodes (1 web, 1 worker) on redis;');
  });

  it('prints the registry as JSON with --json', async () => {
    const { stdout } = await cli(['cluster:status', '--json']);
    const json = JSON.parse(stdout) as ClusterStatusJson;
    expect(json.driver).toBe('redis');
    expect(json.nodes.map((n) => n.id)).toEqual([web.nodeId, worker.nodeId].sort());
    const own = json.nodes.find((n) => n.id === web.nodeId)!;
    expect(own).toMatchObject({ role: 'web', port: 4100, weight: 3, status: 'up' });
    expect(own.heartbeatAgeMs).toBeLessThan(5000);
  });

  it('observing, lists the members and marks the leader, without joining or campaigning', async () => {
    const leader = await waitFor(
      () => apps.find((app) => app.get(LeaderElection).isLeader)?.get(ClusterManager).nodeId,
      { what: 'a member to lead' },
    );
    const { code, stdout } = await cli(['cluster:status'], ObserverCli);
    expect(code).toBe(CliExitCode.Success);
    expect(stdout).toContain(`${leader} ★`);
    expect(stdout).toContain(`2 nodes (1 web, 1 worker) on redis; leader ${leader} (★).`);
    const json = JSON.parse(
      (await cli(['cluster:status', '--json'], ObserverCli)).stdout,
    ) as ClusterStatusJson;
    expect(json.leaderId).toBe(leader);
    expect(json.nodes.map((n) => n.id)).toEqual([web.nodeId, worker.nodeId].sort());
    // The members never saw the commands' processes.
    expect((await web.refresh()).map((n) => n.id)).toEqual([web.nodeId, worker.nodeId].sort());
  });
});
