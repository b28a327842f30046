import { Module } from '@nestjs/common';
import { QueueSuperviseCommand } from './queue-supervise.command';

/**
 * The cluster's commands for a `lattice` command line (`runLatticeCli` of `@lattice/core/cli`,
 * or `@lattice/cli`, which finds it through package.json's `"lattice": { "commands": "./cli" }`).
 * `queue:supervise` needs `QueueModule.forRoot({ worker: false })` in the CLI's root module.
 */
@Module({ providers: [QueueSuperviseCommand] })
export class ClusterCommandsModule {}
