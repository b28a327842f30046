import { ClusterModule } from '@lattice/cluster';
import { LatticeModule } from '@lattice/core';
import { QueueModule } from '@lattice/queue';
import { Module } from '@nestjs/common';

/** What `npx lattice` runs the queue:* and cluster:* commands in: found by convention as dist/cli.module.js. */
@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Job and broadcast' }, bootReport: false }),
    QueueModule.forRoot({ worker: false }),
    ClusterModule.forRoot({ role: 'worker' }),
  ],
})
export class CliModule {}
