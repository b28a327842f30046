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
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  async page() {
    return `<h1>Reports</h1>${await eventsClientScriptTag()}`;
  }

  @Get('run/:id')
  async run(@Param('id') id: string) {
    await this.queues.dispatch(BuildReport, { id });
    return { queued: id };
  }

  @Get('status')
  async status() {
    return {
      ready: this.reports.ready,
      channel: (await this.channels.positions(['reports'])).reports,
    };
  }
}
