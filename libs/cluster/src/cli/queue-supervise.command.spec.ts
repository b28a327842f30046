import { LatticeModule } from '@lattice/core';
import { CliExitCode, runLatticeCli } from '@lattice/core/cli';
import { QueueModule } from '@lattice/queue';
import { Module } from '@nestjs/common';
import { ClusterCommandsModule } from './cluster-commands.module';

// No REDIS_URL: the in-process queue driver, which no worker process can reach.
@Module({
  imports: [
    LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false }),
    QueueModule.forRoot({ worker: false }),
    ClusterCommandsModule,
  ],
})
class MemoryCli {}

// No QueueModule at all.
@Module({
  imports: [
    LatticeModule.forRoot({ env: {}, envFile: false, bootReport: false }),
    ClusterCommandsModule,
  ],
})
class NoQueueCli {}

async function cli(
  argv: string[],
  root: typeof MemoryCli = MemoryCli,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runLatticeCli(root, {
    argv,
    output: { writeOut: (t) => void (out += t), writeErr: (t) => void (err += t) },
  });
  process.exitCode = undefined;
  return { code, out, err };
}

describe('lattice queue:supervise', () => {
  it('refuses the in-process queue driver, saying to set REDIS_URL', async () => {
    const { code, err } = await cli(['queue:supervise', '--queue', 'default=1..2']);
    expect(code).toBe(CliExitCode.Failure);
    expect(err).toMatch(/`lattice queue:supervise` needs a queue that other processes can reach/);
    expect(err).toMatch(/Set REDIS_URL/);
  });

  it('boots without QueueModule, and then says to import it', async () => {
    const { code, err } = await cli(['queue:supervise'], NoQueueCli);
    expect(code).toBe(CliExitCode.Failure);
    expect(err).toMatch(
      /lattice queue:supervise needs QueueManager, but no QueueModule is visible to it/,
    );
  });

  it('is listed with its options', async () => {
    const { code, out } = await cli(['queue:supervise', '--help']);
    expect(code).toBe(CliExitCode.Success);
    for (const flag of [
      '--queue <ranges>',
      '--max-processes <n>',
      '--cooldown <ms>',
      '--command <command>',
      '--config <file>',
      '--json',
    ])
      expect(out).toContain(flag);
  });

  it('refuses a bad option value as a usage error', async () => {
    const { code, err } = await cli(['queue:supervise', '--cooldown', 'soon']);
    expect(code).toBe(CliExitCode.Usage);
    expect(err).toMatch(/--cooldown must be a whole number ≥ 0, got "soon"/);
  });
});
