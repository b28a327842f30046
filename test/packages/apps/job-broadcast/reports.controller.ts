import { ClusterManager, DistributedLock, LeaderElection } from '@lattice/cluster';
import { eventsClientScriptTag, PersistentWebSocketManager } from '@lattice/events';
import { QueueManager } from '@lattice/queue';
import { Controller, Get, Header, Param } from '@nestjs/common';
import { BuildReport, Reports } from './report.job.js';

@Controller()
export class ReportsController {
  constructor(
    private readonly queues: QueueManager,
    private readonly reports: Reports,
    private readonly channels: PersistentWebSocketManager,
    private readonly cluster: ClusterManager,
    private readonly leader: LeaderElection,
    private readonly locks: DistributedLock,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async page() {
    return `<h1>Reports</h1>${await eventsClientScriptTag()}`;
  }

  @Get('run/:id')
  async run(@Param('id') id: string) {
    // One dispatcher per report across the cluster; the fence numbers the holders.
    const fence = await this.locks.using(`report:${id}`, async (lock) => {
      await this.queues.dispatch(BuildReport, { id });
      return lock.fence;
    });
    return { queued: id, fence };
  }

  @Get('status')
  async status() {
    return {
      ready: this.reports.ready,
      channel: (await this.channels.positions(['reports'])).reports,
      cluster: { members: this.cluster.members().length, leader: this.leader.isLeader },
    };
  }
}
