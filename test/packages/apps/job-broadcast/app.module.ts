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
  ],
  providers: [BuildReport, Reports],
  controllers: [ReportsController],
})
export class AppModule {}
