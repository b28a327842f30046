/** What a node does: serves HTTP and WebSockets, or runs queue workers. */
export type NodeRole = 'web' | 'worker';

/** How the node is doing, as the others see it. `draining`: SIGTERM received, send it nothing new. */
export type NodeStatus = 'up' | 'suspect' | 'draining';

/**
 * A node's load, refreshed with each heartbeat. The named fields come from core's `LatticeGauges`
 * (registered by socket, live and queue) and from the process itself; any other registered gauge
 * is carried in `gauges`.
 */
export interface NodeLoad {
  /** Open WebSocket connections (`lattice_socket_connections`). */
  connections: number;
  /** Live component sessions (`lattice_live_sessions`). */
  liveSessions: number;
  /** Queue jobs running on this node (`lattice_queue_jobs_active`). */
  jobsActive: number;
  /** Event-loop delay, p99 over the last heartbeat interval, in milliseconds. */
  eventLoopLagMs: number;
  /** `process.memoryUsage().heapUsed`. */
  heapUsedBytes: number;
  /** Every other registered gauge. */
  gauges: Record<string, number>;
}

/** One process of the cluster, as stored in the membership registry. */
export interface ClusterNode {
  /** core's `LATTICE_NODE_ID`: `<hostname>-<pid>-<random>`, also PubSub's `nodeId`. */
  id: string;
  /** Address other nodes and balancers reach it at. */
  host: string;
  /** HTTP port, or null for a node that does not listen (a worker). */
  port: number | null;
  /** The app's version (the `version` option, or package.json's). */
  version: string;
  role: NodeRole;
  /** Epoch milliseconds. */
  startedAt: number;
  /** What it can do (`ai`, `nlp`, `gpu`): `ClusterManager.route(capability)` picks among them. */
  capabilities: string[];
  /** Names of the services it advertises (`ServiceDiscovery.discover(name)`). */
  services: string[];
  /** Relative capacity for weighted balancing (default 1). */
  weight: number;
  status: NodeStatus;
  /** Epoch milliseconds of its last heartbeat. */
  heartbeatAt: number;
  load: NodeLoad;
}

/** Membership events: a node appeared, stopped heartbeating for a while, left or expired, changed. */
export type ClusterEvent = 'join' | 'suspect' | 'leave' | 'update';

export type ClusterListener = (node: ClusterNode) => void;

/** An instance of an advertised service. */
export interface ServiceInstance {
  service: string;
  nodeId: string;
  host: string;
  port: number | null;
  meta: Record<string, unknown>;
}

/** Where `ServiceDiscovery` finds instances. */
export type DiscoveryOptions =
  | {
      /** From the membership registry in Redis (or this process alone without Redis). Default. */
      mode: 'registry';
    }
  | {
      /**
       * From a Kubernetes headless Service's DNS: `discover(name)` resolves
       * `<name>.<namespace>.svc.<clusterDomain>` (SRV records when `portName` is given, A records
       * otherwise, with `port`).
       */
      mode: 'kubernetes';
      namespace?: string;
      clusterDomain?: string;
      portName?: string;
      port?: number;
    };

/** The strategies `LoadBalancer` ships. */
export type BalancingStrategyName =
  'round-robin' | 'least-connections' | 'weighted' | 'consistent-hash' | 'power-of-two';

/**
 * Picks one of `candidates` (never empty when called). `key` is given by callers that want the
 * same key to land on the same node (consistent hashing); other strategies ignore it.
 */
export interface BalancingStrategy {
  readonly name: string;
  pick(candidates: readonly ClusterNode[], key?: string): ClusterNode;
}

export interface ClusterModuleOptions {
  /** Default `web`; a process started for `lattice queue:work` passes `worker`. */
  role?: NodeRole;
  /**
   * Observer mode, for short-lived processes that only look at the cluster (a CLI such as
   * `lattice cluster:status`). An observer reads the membership (`members()`, `refresh()`,
   * events) and knows the leader (`LeaderElection.leaderId`), but never registers or heartbeats
   * an entry of its own (so `route()`/`owner()` never pick it and the others never list it),
   * never campaigns for leadership (`isLeader` stays false, `@OnLeader` methods never run, even
   * when it is alone) and works no routed queue. Default false.
   */
  observe?: boolean;
  /** Advertised host (default: os.hostname()). */
  host?: string;
  /** Advertised HTTP port (default: core's PORT setting for `web`, null for `worker`). */
  port?: number | null;
  /** Default: the app's package.json version, or `0.0.0`. */
  version?: string;
  capabilities?: string[];
  /** Services this node advertises, with metadata the callers may need (a path, a model name). */
  services?: Array<{ name: string; meta?: Record<string, unknown> }>;
  /** Relative capacity for the `weighted` strategy (default 1). */
  weight?: number;
  /** How often a node writes its heartbeat (default 1000 ms). */
  heartbeatMs?: number;
  /**
   * A node that has not heartbeated for this long is dropped by the others, and its entries are
   * cleaned up (default 5000 ms; at least 3 × heartbeatMs).
   */
  ttlMs?: number;
  /** A node is `suspect` after this long without a heartbeat (default 2.5 × heartbeatMs). */
  suspectAfterMs?: number;
  discovery?: DiscoveryOptions;
  /** The strategy `ClusterManager.route()` uses (default `least-connections`). */
  balancing?: { strategy?: BalancingStrategyName; virtualNodes?: number };
  /** Leader election: lease length (default 5000 ms; renewed every lease / 3). */
  leader?: { leaseMs?: number };
  /** Defaults for `DistributedLock` (ttl 10 s, refreshed while held; acquire waits up to 5 s). */
  locks?: { ttlMs?: number; acquireTimeoutMs?: number };
}
