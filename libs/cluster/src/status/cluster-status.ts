import type { ClusterNode, NodeRole, NodeStatus } from '../cluster.interfaces';

/**
 * One node as `lattice cluster:status` and the admin page show it: the registry entry's
 * figures, formatted for people, plus the leader marker. Both read the same rows, so the
 * terminal and the page never disagree on what "uptime" or "heap" means.
 */
export interface NodeStatusRow {
  id: string;
  /** True for the node holding the leader lease (`LeaderElection.leaderId`). */
  leader: boolean;
  role: NodeRole;
  status: NodeStatus;
  /** `host:port`, or the host alone for a node that does not listen. */
  address: string;
  version: string;
  uptime: string;
  connections: number;
  liveSessions: number;
  jobsActive: number;
  eventLoopLag: string;
  heap: string;
  /** How long ago its last heartbeat was written: `0.4 s`, `12 s`. */
  heartbeatAge: string;
}

/** Rows of `nodes` as of `now`, the leader's marked (when `leaderId` names one of them). */
export function nodeStatusRows(
  nodes: readonly ClusterNode[],
  leaderId: string | undefined,
  now = Date.now(),
): NodeStatusRow[] {
  return nodes.map((node) => ({
    id: node.id,
    leader: node.id === leaderId,
    role: node.role,
    status: node.status,
    address: node.port == null ? node.host : `${node.host}:${node.port}`,
    version: node.version,
    uptime: formatDuration(now - node.startedAt),
    connections: node.load.connections,
    liveSessions: node.load.liveSessions,
    jobsActive: node.load.jobsActive,
    eventLoopLag: `${formatNumber(node.load.eventLoopLagMs)} ms`,
    heap: formatBytes(node.load.heapUsedBytes),
    heartbeatAge: formatAge(now - node.heartbeatAt),
  }));
}

/** `12 s`, `5 min 3 s`, `2 h 4 min`, `3 d 7 h`: the two largest units. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const [d, h, m] = [Math.floor(s / 86_400), Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${s % 60} s`;
}

/** A heartbeat's age: tenths of a second under 10 s (heartbeats are about 1 s apart). */
export function formatAge(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  return s < 10 ? `${s.toFixed(1)} s` : formatDuration(ms);
}

/** `512 KB`, `87.3 MB`, `1.20 GB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 ** 2) return `${Math.round(bytes / 1024)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

function formatNumber(value: number): string {
  return value < 10 ? value.toFixed(1) : String(Math.round(value));
}
