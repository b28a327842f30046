import { ClusterModule } from '@lattice/cluster';
import { LatticeModule } from '@lattice/core';
import { EventsModule } from '@lattice/events';
import { QueueModule } from '@lattice/queue';
import { SocketModule } from '@lattice/socket';
import { Module } from '@nestjs/common';
import { BuildReport, Reports } from './report.job.js';
import { ReportsController } from './reports.controller.js';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Job and broadcast' } }),
    SocketModule.forRoot(),
    QueueModule.forRoot(),
    EventsModule.forRoot({ channels: { public: ['reports'] } }),
    // A cluster of one without REDIS_URL: the same API, this process always the leader.
    ClusterModule.forRoot(),
  ],
  providers: [BuildReport, Reports],
  controllers: [ReportsController],
})
export class AppModule {}
