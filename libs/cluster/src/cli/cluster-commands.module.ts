import { Module, type Type } from '@nestjs/common';
import { ClusterStatusCommand } from './cluster-status.command';

/**
 * The cluster's commands for a `lattice` command line (`runLatticeCli` of `@lattice/core/cli`,
 * or `@lattice/cli`, which finds it through package.json's `"lattice": { "commands": "./cli" }`):
 * `cluster:status` (needs `ClusterModule.forRoot()` in the CLI's root module) and, when
 * `@lattice/queue` is installed, `queue:supervise` (needs `QueueModule.forRoot({ worker: false })`).
 */
@Module({ providers: [ClusterStatusCommand, ...superviseCommand()] })
export class ClusterCommandsModule {}

/** queue:supervise, or nothing in an app without @lattice/queue (an optional peer). */
function superviseCommand(): Type[] {
  try {
    // Lazily, so that the cluster's other commands load without @lattice/queue.
    return [
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require('./queue-supervise.command') as typeof import('./queue-supervise.command'))
        .QueueSuperviseCommand,
    ];
  } catch (error) {
    const missing =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes('@lattice/queue');
    if (missing) return [];
    throw error;
  }
}
