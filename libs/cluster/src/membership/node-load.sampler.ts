import type { LatticeGauges } from '@lattice/core';
import { monitorEventLoopDelay } from 'node:perf_hooks';

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;
import type { NodeLoad } from '../cluster.interfaces';

/** The gauges `NodeLoad` names; every other registered gauge goes to `NodeLoad.gauges`. */
const NAMED = {
  lattice_socket_connections: 'connections',
  lattice_live_sessions: 'liveSessions',
  lattice_queue_jobs_active: 'jobsActive',
} as const;

/**
 * Reads this process's load for a heartbeat: core's gauges, the event-loop delay (p99 since the
 * previous sample, so one slow interval shows once rather than being averaged away) and the heap.
 */
export class NodeLoadSampler {
  private histogram: IntervalHistogram | undefined;

  constructor(private readonly gauges: LatticeGauges | undefined) {}

  start(): void {
    if (this.histogram) return;
    // 20 ms resolution: finer costs more timer wake-ups and lag below that does not matter here.
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
  }

  stop(): void {
    this.histogram?.disable();
    this.histogram = undefined;
  }

  /** The load now; resets the event-loop histogram for the next interval. */
  sample(): NodeLoad {
    const load: NodeLoad = {
      connections: 0,
      liveSessions: 0,
      jobsActive: 0,
      eventLoopLagMs: 0,
      heapUsedBytes: process.memoryUsage().heapUsed,
      gauges: {},
    };
    for (const [name, value] of Object.entries(this.gauges?.read() ?? {})) {
      // A gauge that failed reads NaN, which JSON would turn into null: leave it out.
      if (!Number.isFinite(value)) continue;
      const field = NAMED[name as keyof typeof NAMED];
      if (field) load[field] = value;
      else load.gauges[name] = value;
    }
    if (this.histogram && this.histogram.count > 0) {
      load.eventLoopLagMs = Math.round(this.histogram.percentile(99) / 1e4) / 100;
      this.histogram.reset();
    }
    return load;
  }
}
