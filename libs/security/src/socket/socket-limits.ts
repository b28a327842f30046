import {
  LATTICE_NODE_ID,
  NODE_LEFT_TOPIC,
  PubSub,
  RedisConnections,
  type NodeLeftMessage,
  type Unsubscribe,
} from '@lattice/core';
import { CLOSE_RATE_LIMITED, CLOSE_UNAUTHORIZED, type SocketConnectionInfo } from '@lattice/socket';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { ResolvedSecurityOptions } from '../security.options';
import { ClusterConnections } from './cluster-connections';
import { ClusterMessageRate } from './cluster-message-rate';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

// setTimeout fires at once beyond 2^31-1 ms; a token living that long is closed at the cap.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * What `SecureSocketAuthenticator` enforces after the handshake: at most `maxConnectionsPerUser`
 * open connections per user (one more is closed with 4429), a message rate per user across their
 * connections, and a close with 4401 when the access token the connection authenticated with
 * expires, so the client refreshes and reconnects.
 *
 * With REDIS_URL set (and `sockets.cluster` not false) both limits hold across the cluster: the
 * connections are counted in Redis under a lease the node renews (a crashed node's stop counting
 * within `sockets.leaseMs`, or at once on `NODE_LEFT_TOPIC`), and the message rate is shared
 * through counts the nodes exchange every few milliseconds (see `ClusterMessageRate` for the
 * bound). Without Redis, or while it is unreachable, both are counted on this node.
 */
@Injectable()
export class SecureSocketLimits implements OnModuleInit, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger('Security');
  private readonly open = new Map<string, Set<string>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private readonly connections?: ClusterConnections;
  private readonly rate?: ClusterMessageRate;
  private renewal: NodeJS.Timeout | undefined;
  private nodeLeft: Promise<Unsubscribe | undefined> | undefined;
  /** Redis is unreachable: limits are counted per node until it is back (said once). */
  private outage = false;
  private stopped = false;

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    redis: RedisConnections,
    private readonly pubsub: PubSub,
    @Inject(LATTICE_NODE_ID) private readonly nodeId: string,
  ) {
    const { cluster, leaseMs, maxConnectionsPerUser, userRateLimit } = options.sockets;
    if (!cluster || !redis.configured) return;
    if (maxConnectionsPerUser > 0)
      this.connections = new ClusterConnections(redis, nodeId, leaseMs);
    if (userRateLimit)
      this.rate = new ClusterMessageRate(
        redis,
        userRateLimit,
        (error) => this.failed(error),
        () => this.recovered(),
      );
  }

  /** Whether the limits are counted across the cluster (REDIS_URL set, `sockets.cluster` on). */
  get clustered(): boolean {
    return this.connections !== undefined || this.rate !== undefined;
  }

  /** True while Redis is unreachable: the limits are counted on this node only until it is back. */
  get degraded(): boolean {
    return this.outage;
  }

  /** The cluster-wide message counter, when clustered (its `sync()` is what the timer runs). */
  get messageRate(): ClusterMessageRate | undefined {
    return this.rate;
  }

  /** Open connections of a user on this node. */
  connectionsOf(userId: string): number {
    return this.open.get(userId)?.size ?? 0;
  }

  onModuleInit(): void {
    this.rate?.start();
    if (!this.connections) return;
    const connections = this.connections;
    this.renewal = setInterval(() => void this.renew(), Math.floor(connections.leaseMs / 3));
    this.renewal.unref();
    // Another node left or stopped heartbeating: its connections are gone, free their places now.
    this.nodeLeft = this.pubsub
      .subscribe<NodeLeftMessage>(NODE_LEFT_TOPIC, ({ nodeId }) => {
        if (typeof nodeId !== 'string' || nodeId === this.nodeId) return;
        connections.forgetNode(nodeId).catch(() => undefined); // the lease frees them anyway
      })
      .catch((error: unknown) => {
        this.logger.warn(`Socket limits do not hear about nodes leaving: ${String(error)}`);
        return undefined;
      });
  }

  /** While Redis is still open: this node's places are freed for the others at once. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.renewal);
    this.rate?.stop();
    void this.nodeLeft?.then((unsubscribe) => unsubscribe?.().catch(() => undefined));
    if (!this.connections || this.open.size === 0) return;
    await this.connections.forgetNode(this.nodeId, this.open.keys()).catch(() => undefined);
  }

  async connected(connection: SocketConnectionInfo, expiresAt: number | undefined): Promise<void> {
    const user = connection.identity?.id;
    if (user === undefined) return; // anonymous: topics decide what it may see
    const { maxConnectionsPerUser, closeOnTokenExpiry } = this.options.sockets;
    let mine = this.open.get(user);
    if (maxConnectionsPerUser > 0 && (mine?.size ?? 0) >= maxConnectionsPerUser) {
      this.refuse(connection);
      return;
    }
    if (!mine) this.open.set(user, (mine = new Set()));
    mine.add(connection.id);
    if (this.connections && !this.stopped) {
      let claimed = true;
      try {
        claimed = await this.connections.claim(user, connection.id, maxConnectionsPerUser);
        this.recovered();
      } catch (error) {
        this.failed(error); // counted on this node only; the renewal adds it once Redis is back
      }
      if (!this.open.get(user)?.has(connection.id)) return; // it left while we asked
      if (!claimed) {
        this.forget(user, connection.id);
        this.refuse(connection);
        return;
      }
    }
    if (closeOnTokenExpiry && expiresAt !== undefined) {
      const timer = setTimeout(
        () => connection.close(CLOSE_UNAUTHORIZED, 'token expired: refresh and reconnect'),
        Math.min(LONGEST_TIMER_MS, Math.max(0, expiresAt - Date.now())),
      );
      timer.unref();
      this.expiries.set(connection.id, timer);
    }
  }

  disconnected(connection: SocketConnectionInfo): void {
    clearTimeout(this.expiries.get(connection.id));
    this.expiries.delete(connection.id);
    const user = connection.identity?.id;
    if (user === undefined || !this.forget(user, connection.id)) return;
    // Sent after the claim on the same connection, so Redis sees them in that order.
    if (this.connections && !this.stopped)
      this.connections.release(user, connection.id).catch(() => undefined);
  }

  /**
   * A token bucket per user, shared by their connections on this node; clustered, also the
   * user's count across the nodes (as of the last exchange: no I/O here).
   */
  admit(connection: SocketConnectionInfo): boolean {
    const user = connection.identity?.id;
    const rate = this.options.sockets.userRateLimit;
    if (user === undefined || !rate) return true;
    const now = Date.now();
    let bucket = this.buckets.get(user);
    if (!bucket) this.buckets.set(user, (bucket = { tokens: rate.messages, refilledAt: now }));
    bucket.tokens = Math.min(
      rate.messages,
      bucket.tokens + ((now - bucket.refilledAt) * rate.messages) / rate.perMs,
    );
    bucket.refilledAt = now;
    if (bucket.tokens < 1) return false;
    if (this.rate && !this.rate.admit(user, now)) return false;
    bucket.tokens -= 1;
    return true;
  }

  onApplicationShutdown(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }

  private refuse(connection: SocketConnectionInfo): void {
    const max = this.options.sockets.maxConnectionsPerUser;
    connection.close(CLOSE_RATE_LIMITED, `too many connections: at most ${max} per user`);
  }

  /** Removes the connection from this node's count; false when it was not counted. */
  private forget(user: string, connectionId: string): boolean {
    const mine = this.open.get(user);
    if (!mine?.delete(connectionId)) return false;
    if (mine.size === 0) {
      this.open.delete(user);
      this.buckets.delete(user);
    }
    return true;
  }

  /** Renews this node's connection leases (and re-adds those counted while Redis was down). */
  private async renew(): Promise<void> {
    if (this.stopped || !this.connections) return;
    try {
      await this.connections.renew(this.open);
      this.recovered();
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    if (this.outage || this.stopped) return;
    this.outage = true;
    this.logger.warn(
      `WebSocket limits per user are counted on this node only while Redis is unreachable (${error instanceof Error ? error.message : String(error)}): a user may open up to ${this.options.sockets.maxConnectionsPerUser || 'any number of'} connections and send at the full rate on each node until it is back.`,
    );
  }

  private recovered(): void {
    if (!this.outage) return;
    this.outage = false;
    this.logger.warn(
      'Redis is back: WebSocket limits per user are counted across the cluster again.',
    );
  }
}
