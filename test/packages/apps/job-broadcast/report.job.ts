import { type BroadcastableEvent, EventDispatcher, Listen } from '@lattice/events';
import { Job, QueueJob } from '@lattice/queue';
import { Injectable } from '@nestjs/common';

/** Broadcast on the public `reports` channel when a report is ready. */
export class ReportReady implements BroadcastableEvent {
  constructor(readonly id: string) {}
  broadcastOn() {
    return ['reports'];
  }
}

/** (d) A queued job that dispatches an event, which is broadcast to the channel's subscribers. */
@QueueJob({ queue: 'reports' })
export class BuildReport extends Job<{ id: string }, string> {
  constructor(private readonly events: EventDispatcher) {
    super();
  }
  handle({ id }: { id: string }): string {
    this.events.dispatch(new ReportReady(id));
    return `report ${id}`;
  }
}

/** What the app has seen, for the status route. */
@Injectable()
export class Reports {
  readonly ready: string[] = [];

  @Listen(ReportReady)
  heard(event: ReportReady) {
    this.ready.push(event.id);
  }
}
