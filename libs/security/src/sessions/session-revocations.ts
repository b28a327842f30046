import { PubSub, RedisConnections, type Unsubscribe } from '@lattice/core';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { SECURITY_MODULE_OPTIONS, SESSION_REVOKED_TOPIC } from '../security.constants';
import type { ResolvedSecurityOptions } from '../security.options';

/** What a node announces when it ends sessions: their ids and until when to refuse them (ms). */
interface Revoked {
  sessions: Array<[id: string, until: number]>;
}

/** Called on every node for sessions ended anywhere (to close their sockets). */
export type RevocationListener = (sessionIds: string[]) => void;

/** How often a node re-reads the Redis set, in case a PubSub message was lost (a reconnect). */
const RESYNC_MS = 10_000;
/** How long a boot waits for the subscription and the first read of the set. */
const BOOT_WAIT_MS = 2_000;

/**
 * The sessions ended before their access tokens expire (logout, a reused refresh token, "log out
 * everywhere", an admin). Each node keeps them in a Map, so checking a token costs no round trip;
 * a revocation is written to a Redis sorted set (when REDIS_URL is set) and announced over core's
 * PubSub, which every node adds to its Map and uses to close the session's sockets. A node reads
 * the Redis set at boot and every 10 s, which also repairs a lost announcement. Entries live as
 * long as an access token can (`jwt.accessTtlSeconds` + `jwt.clockSkewSeconds`), then drop out.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Security');
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<RevocationListener>();
  private subscription: Promise<Unsubscribe | undefined> | undefined;
  private resync: NodeJS.Timeout | undefined;

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    private readonly redis: RedisConnections,
    private readonly pubsub: PubSub,
  ) {}

  /** True when the session was ended and a token of it could still be unexpired. */
  isRevoked(sessionId: string): boolean {
    const until = this.revoked.get(sessionId);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.revoked.delete(sessionId);
    return false;
  }

  /** How many revoked sessions this node remembers. */
  get size(): number {
    return this.revoked.size;
  }

  /**
   * Ends the sessions' access tokens now on this node, and on every node as fast as PubSub
   * delivers; resolves once the Redis set has them and the announcement is sent.
   */
  async revoke(sessionIds: string[]): Promise<void> {
    if (!sessionIds.length) return;
    const { accessTtlSeconds, clockSkewSeconds } = this.options.jwt;
    const until = Date.now() + (accessTtlSeconds + clockSkewSeconds) * 1000;
    const sessions = sessionIds.map((id): [string, number] => [id, until]);
    this.remember(sessions);
    try {
      if (this.redis.configured) {
        const args = sessions.flatMap(([id, at]) => [at, id]);
        await this.client()
          .multi()
          .zadd(this.key(), ...args)
          .zremrangebyscore(this.key(), '-inf', Date.now())
          .exec();
      }
      await this.pubsub.publish<Revoked>(SESSION_REVOKED_TOPIC, { sessions });
    } catch (error) {
      // The sessions' refresh tokens are dead already; other nodes learn at their next read.
      this.logger.error(
        `Ended sessions could not be announced to other nodes (${String(error)}); they refuse the sessions' access tokens after their next read of the revocation set, or when the tokens expire.`,
      );
    }
  }

  /** Calls `listener` with the ids of sessions ended on any node (sockets close on it). */
  onRevoked(listener: RevocationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async onModuleInit(): Promise<void> {
    this.subscription = this.pubsub
      .subscribe<Revoked>(SESSION_REVOKED_TOPIC, (message) => this.remember(message.sessions))
      .catch((error: unknown) => {
        this.logger.warn(`Revoked sessions are not announced to this node: ${String(error)}`);
        return undefined;
      });
    if (!this.redis.configured) return;
    this.resync = setInterval(() => void this.load(), RESYNC_MS);
    this.resync.unref();
    // Subscribed first, then read, so nothing falls between; but with Redis unreachable the app
    // must still start (it then learns at the next read), so the boot waits 2 s at most.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, BOOT_WAIT_MS)));
    await Promise.race([this.subscription.then(() => this.load()), late]);
    clearTimeout(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.resync);
    // Not awaited: a subscription Redis never confirmed must not hold the shutdown.
    void this.subscription?.then((unsubscribe) => unsubscribe?.().catch(() => undefined));
  }

  private remember(sessions: Revoked['sessions']): void {
    const now = Date.now();
    const fresh: string[] = [];
    for (const [id, until] of sessions) {
      if (typeof id !== 'string' || typeof until !== 'number' || until <= now) continue;
      if (!this.isRevoked(id)) fresh.push(id);
      this.revoked.set(id, Math.max(until, this.revoked.get(id) ?? 0));
    }
    if (this.revoked.size > 10_000) this.sweep(now);
    if (!fresh.length) return;
    for (const listener of this.listeners) {
      try {
        listener(fresh);
      } catch (error) {
        this.logger.error(`A listener of revoked sessions failed: ${String(error)}`);
      }
    }
  }

  private sweep(now: number): void {
    for (const [id, until] of this.revoked) if (until <= now) this.revoked.delete(id);
  }

  /** Reads the Redis set (boot, then every 10 s); a failure keeps what this node knows. */
  private async load(): Promise<void> {
    try {
      const flat = await this.client().zrangebyscore(this.key(), Date.now(), '+inf', 'WITHSCORES');
      const sessions: Revoked['sessions'] = [];
      for (let i = 0; i < flat.length; i += 2) sessions.push([flat[i], Number(flat[i + 1])]);
      this.remember(sessions);
      this.sweep(Date.now());
    } catch (error) {
      this.logger.warn(`The set of revoked sessions (Redis) could not be read: ${String(error)}`);
    }
  }

  private client() {
    // The rate limits' connection: commands fail within a second instead of queueing.
    return this.redis.get('throttle', { maxRetriesPerRequest: 1, commandTimeout: 1000 });
  }

  private key(): string {
    return this.redis.key('security', 'revoked-sessions');
  }
}
