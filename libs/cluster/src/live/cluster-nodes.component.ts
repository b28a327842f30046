import {
  Component,
  ComponentService,
  html,
  type LiveContext,
  type OnLivePublish,
  repeat,
} from '@lattice/live';
import { Inject, Optional } from '@nestjs/common';
import type { ClusterNode } from '../cluster.interfaces';
import { LeaderElection } from '../leader/leader-election';
import { ClusterManager } from '../membership/cluster-manager';
import { nodeStatusRows, type NodeStatusRow } from '../status/cluster-status';
import {
  CLUSTER_LIVE_OPTIONS,
  CLUSTER_LIVE_TOPIC,
  CLUSTER_NODES_COMPONENT,
  DEFAULT_HISTORY_SIZE,
} from './cluster-live.constants';
import type { ClusterLiveEvent, ClusterLiveModuleOptions } from './cluster-live.interfaces';

/** The page's state: the members as this node last heard of them, and their recent connections. */
export interface ClusterNodesState {
  allowed: boolean;
  nodes: ClusterNode[];
  leaderId: string | null;
  /** Connections per node, one sample per heartbeat interval (oldest first). */
  history: Record<string, number[]>;
  /** When the state last changed (heartbeat ages are shown as of then). */
  at: number;
}

const BAR_WIDTH = 120;
const SPARK = { width: 120, height: 24 };

/**
 * The cluster's nodes as a live table (`@lattice/cluster/live`): role, status, address,
 * version, uptime, load with a bar and a sparkline of connections, heartbeat age and the leader
 * marker. It follows this node's membership events (join, update, suspect, leave) and its view
 * of the members each heartbeat, so a node that joins appears within a heartbeat, one that dies
 * goes within the TTL, and the loads move with the beats.
 *
 * Place it with `@LivePage(CLUSTER_NODES_COMPONENT, …)` on a route guarded for admins;
 * `ClusterLiveModule`'s `authorize` is asked again at every mount and rejoin.
 */
@Component({ name: CLUSTER_NODES_COMPONENT })
export class ClusterNodesComponent
  extends ComponentService<Record<string, never>, ClusterNodesState>
  implements OnLivePublish<ClusterNodesState>
{
  private readonly historySize: number;

  constructor(
    private readonly cluster: ClusterManager,
    @Inject(CLUSTER_LIVE_OPTIONS) private readonly options: ClusterLiveModuleOptions,
    @Optional() private readonly leader?: LeaderElection,
  ) {
    super();
    this.historySize = options.historySize ?? DEFAULT_HISTORY_SIZE;
  }

  async mount(_props: Record<string, never>, context: LiveContext): Promise<ClusterNodesState> {
    const now = Date.now();
    if (!(await this.options.authorize(context)))
      return { allowed: false, nodes: [], leaderId: null, history: {}, at: now };
    const nodes = this.cluster.members();
    const history = Object.fromEntries(nodes.map((node) => [node.id, [node.load.connections]]));
    return { allowed: true, nodes, leaderId: this.leaderId(), history, at: now };
  }

  subscriptions(state: ClusterNodesState): string[] {
    return state.allowed ? [CLUSTER_LIVE_TOPIC] : [];
  }

  onPublish(_topic: string, payload: unknown): void {
    const message = payload as ClusterLiveEvent;
    this.update((s) => {
      if (!s.allowed) return s;
      const history: Record<string, number[]> = {};
      for (const node of message.nodes) {
        const past = s.history[node.id] ?? [];
        // One sample per beat; an event keeps the samples (and starts them for a node that joined).
        history[node.id] =
          message.event === 'beat' || past.length === 0
            ? [...past, node.load.connections].slice(-this.historySize)
            : past;
      }
      return { ...s, nodes: message.nodes, history, leaderId: this.leaderId(), at: Date.now() };
    });
  }

  render(state: ClusterNodesState) {
    if (!state.allowed)
      return html`<main class="cluster"><h2>Cluster</h2><p>For administrators only. <a href="/login?next=/admin/cluster">Log in</a> as one.</p></main>`;
    const rows = nodeStatusRows(state.nodes, state.leaderId ?? undefined, state.at);
    const maxConnections = Math.max(1, ...state.nodes.map((n) => n.load.connections));
    const leader = state.leaderId ?? 'none known';
    return html`<main class="cluster"><h2>Cluster <span class="node-count">${rows.length}</span> nodes</h2><p class="leader">Leader: <b>${leader}</b></p><table class="cluster-nodes"><thead><tr><th>Node</th><th>Role</th><th>Status</th><th>Address</th><th>Version</th><th>Uptime</th><th>Connections</th><th>Live sessions</th><th>Jobs</th><th>Loop lag</th><th>Heap</th><th>Heartbeat</th></tr></thead><tbody>${repeat(
      rows,
      (row) => row.id,
      (row) => this.row(row, state.history[row.id] ?? [], maxConnections),
    )}</tbody></table></main>`;
  }

  private row(row: NodeStatusRow, history: number[], maxConnections: number) {
    const bar = Math.round((row.connections / maxConnections) * BAR_WIDTH);
    return html`<tr id="cluster-node-${row.id}" data-status="${row.status}" data-leader="${row.leader ? 'yes' : 'no'}"><td>${row.id}${row.leader ? html` <b class="leader-mark" title="leader">★</b>` : ''}</td><td>${row.role}</td><td class="status">${row.status}</td><td>${row.address}</td><td>${row.version}</td><td>${row.uptime}</td><td class="connections"><span class="count">${row.connections}</span> <svg class="load-bar" width="${BAR_WIDTH}" height="8" viewBox="0 0 ${BAR_WIDTH} 8" role="img" aria-label="${row.connections} of the busiest node's ${maxConnections}"><rect width="${BAR_WIDTH}" height="8" fill="#eee"></rect><rect width="${bar}" height="8" fill="#4a7"></rect></svg> <svg class="sparkline" width="${SPARK.width}" height="${SPARK.height}" viewBox="0 0 ${SPARK.width} ${SPARK.height}" role="img" aria-label="connections, last ${history.length} heartbeats"><polyline fill="none" stroke="#36c" stroke-width="1.5" points="${sparkline(history, this.historySize)}"></polyline></svg></td><td>${row.liveSessions}</td><td>${row.jobsActive}</td><td>${row.eventLoopLag}</td><td>${row.heap}</td><td>${row.heartbeatAge} ago</td></tr>`;
  }

  private leaderId(): string | null {
    try {
      return this.leader?.leaderId ?? null;
    } catch {
      return null; // leader election not running here: the table goes without the marker
    }
  }
}

/** `x,y` points of a polyline, the newest sample at the right edge, scaled to the largest. */
export function sparkline(samples: readonly number[], size: number): string {
  if (samples.length === 0) return '';
  const max = Math.max(1, ...samples);
  const step = SPARK.width / Math.max(1, size - 1);
  const offset = SPARK.width - (samples.length - 1) * step;
  const y = (v: number) => (SPARK.height - 1 - (v / max) * (SPARK.height - 2)).toFixed(1);
  // One sample draws a short flat line, so a node that just joined still shows something.
  const points = samples.length === 1 ? [samples[0], samples[0]] : samples;
  const start = samples.length === 1 ? SPARK.width - step : offset;
  return points.map((v, i) => `${(start + i * step).toFixed(1)},${y(v)}`).join(' ');
}
