import { CliUsageError, Command, CommandRunner, Option } from '@lattice/core/cli';
import { Optional } from '@nestjs/common';
import Table from 'cli-table3';
import type { ClusterNode } from '../cluster.interfaces';
import { LeaderElection } from '../leader/leader-election';
import { ClusterMessages } from '../cluster.messages';
import { ClusterManager } from '../membership/cluster-manager';
import { nodeStatusRows } from '../status/cluster-status';

const out = (line = '') => process.stdout.write(`${line}\n`);

/** What `--json` prints: the registry as read now, with the leader and each node's ages. */
export interface ClusterStatusJson {
  driver: 'redis' | 'memory';
  leaderId: string | null;
  readAt: number;
  nodes: Array<ClusterNode & { leader: boolean; uptimeMs: number; heartbeatAgeMs: number }>;
}

interface Flags {
  json?: boolean;
  watch?: boolean;
  interval?: number;
}

/**
 * `lattice cluster:status`: the members of the cluster, read from the registry now
 * (`ClusterManager.refresh()`): role, status, address, version, uptime, load and heartbeat age,
 * with the leader marked. `--json` for scripts, `--watch` to redraw until Ctrl+C.
 *
 * Runs in the app's command module, which must import `ClusterModule.forRoot()` on the same
 * REDIS_URL as the app, best with `observe: true` (the command then reads the membership and the
 * leader without registering itself or campaigning); without Redis the registry is this command's
 * process alone (empty for an observer), and it says so.
 */
@Command({
  name: 'cluster:status',
  description: 'Show the nodes of the cluster: role, status, load, heartbeat and the leader',
})
export class ClusterStatusCommand extends CommandRunner {
  constructor(
    @Optional() private readonly manager?: ClusterManager,
    @Optional() private readonly leader?: LeaderElection,
  ) {
    super();
  }

  /** The membership; a clear error when the command line's module lacks ClusterModule. */
  private get cluster(): ClusterManager {
    if (!this.manager) throw ClusterMessages.managerNotVisible('lattice cluster:status');
    return this.manager;
  }

  async run(_: string[], flags: Flags): Promise<void> {
    if (!flags.watch) return this.print(flags);
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      while (!stop.signal.aborted) {
        // Clear the screen between frames on a terminal; piped output gets them one after another.
        if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
        await this.print(flags);
        if (!flags.json) out(`Every ${flags.interval ?? 2} s; Ctrl+C to stop.`);
        await pause((flags.interval ?? 2) * 1000, stop.signal);
      }
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  }

  @Option({ flags: '--json', description: 'Print the nodes as JSON (one document per read)' })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '-w, --watch', description: 'Read again every --interval seconds until Ctrl+C' })
  parseWatch(): boolean {
    return true;
  }

  @Option({
    flags: '-i, --interval <seconds>',
    description: 'Seconds between reads with --watch (default 2)',
  })
  parseInterval(value: string): number {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds < 0.05 || seconds > 3600)
      throw new CliUsageError(
        'LATTICE_CLUSTER_CLI_USAGE',
        `--interval must be a number of seconds from 0.05 to 3600, got "${value}".`,
        'Pass e.g. --interval 5, or leave it out for 2 s.',
      );
    return seconds;
  }

  private async print(flags: Flags): Promise<void> {
    const all = await this.cluster.refresh();
    const now = Date.now();
    const driver = this.cluster.driver;
    // An observer is not in the registry; a command module without `observe` registers its own
    // process, which is not a member worth listing.
    const nodes =
      driver === 'redis' && !this.cluster.observing
        ? all.filter((node) => node.id !== this.ownId())
        : all;
    const leaderId = await this.leaderId();
    if (flags.json) {
      const json: ClusterStatusJson = {
        driver,
        leaderId: leaderId ?? null,
        readAt: now,
        nodes: nodes.map((node) => ({
          ...node,
          leader: node.id === leaderId,
          uptimeMs: now - node.startedAt,
          heartbeatAgeMs: now - node.heartbeatAt,
        })),
      };
      out(JSON.stringify(json, null, 2));
      return;
    }
    if (driver === 'memory')
      out(
        `No REDIS_URL: the membership registry is in memory, so this command sees ${this.cluster.observing ? 'no nodes (it observes, so not even its own process)' : 'only its own process'}. Set REDIS_URL to the app's Redis to list the app's nodes.`,
      );
    if (nodes.length === 0) {
      out(
        'No nodes in the registry: no app process with ClusterModule is heartbeating on this Redis.',
      );
      return;
    }
    const grid = table([
      'Node',
      'Role',
      'Status',
      'Address',
      'Version',
      'Uptime',
      'Connections',
      'Live sessions',
      'Jobs',
      'Loop lag',
      'Heap',
      'Heartbeat',
    ]);
    for (const row of nodeStatusRows(nodes, leaderId, now)) {
      grid.push([
        row.leader ? `${row.id} ★` : row.id,
        row.role,
        row.status,
        row.address,
        row.version,
        row.uptime,
        row.connections,
        row.liveSessions,
        row.jobsActive,
        row.eventLoopLag,
        row.heap,
        `${row.heartbeatAge} ago`,
      ]);
    }
    out(grid.toString());
    const roles = (['web', 'worker'] as const)
      .map((role) => [role, nodes.filter((n) => n.role === role).length] as const)
      .filter(([, count]) => count > 0)
      .map(([role, count]) => `${count} ${role}`)
      .join(', ');
    const leader = leaderId
      ? nodes.some((n) => n.id === leaderId)
        ? `leader ${leaderId} (★)`
        : `leader ${leaderId} (not in the registry)`
      : 'no leader known';
    out(`${nodes.length} node${nodes.length === 1 ? '' : 's'} (${roles}) on ${driver}; ${leader}.`);
  }

  private ownId(): string | undefined {
    try {
      return this.cluster.nodeId;
    } catch {
      return undefined;
    }
  }

  /** The leader as read now (the election's rounds may not have run yet in a fresh command). */
  private async leaderId(): Promise<string | undefined> {
    try {
      if (!this.leader) return undefined;
      return typeof this.leader.refresh === 'function'
        ? await this.leader.refresh()
        : this.leader.leaderId;
    } catch {
      // Leader election not running in this process (or not built): the table goes without the marker.
      return undefined;
    }
  }
}

function table(head: string[]): Table.Table {
  // Colours only on a terminal, so piped output and logs stay plain.
  const plain = !process.stdout.isTTY;
  return new Table({ head, style: plain ? { head: [], border: [] } : { head: ['cyan'] } });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
