import { CLOSE_RATE_LIMITED, CLOSE_UNAUTHORIZED, type SocketConnectionInfo } from '@lattice/socket';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { ResolvedSecurityOptions } from '../security.options';

interface Bucket {
  tokens: number;
  refilledAt: number;
}

// setTimeout fires at once beyond 2^31-1 ms; a token living that long is closed at the cap.
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/**
 * What `SecureSocketAuthenticator` enforces after the handshake, per node: at most
 * `maxConnectionsPerUser` open connections per user (one more is closed with 4429), a message
 * rate per user across their connections, and a close with 4401 when the access token the
 * connection authenticated with expires, so the client refreshes and reconnects.
 */
@Injectable()
export class SecureSocketLimits implements OnApplicationShutdown {
  private readonly open = new Map<string, Set<string>>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly expiries = new Map<string, NodeJS.Timeout>();

  constructor(@Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions) {}

  /** Open connections of a user on this node. */
  connectionsOf(userId: string): number {
    return this.open.get(userId)?.size ?? 0;
  }

  connected(connection: SocketConnectionInfo, expiresAt: number | undefined): void {
    const user = connection.identity?.id;
    if (user === undefined) return; // anonymous: topics decide what it may see
    const { maxConnectionsPerUser, closeOnTokenExpiry } = this.options.sockets;
    let mine = this.open.get(user);
    if (maxConnectionsPerUser > 0 && (mine?.size ?? 0) >= maxConnectionsPerUser) {
      connection.close(
        CLOSE_RATE_LIMITED,
        `too many connections: at most ${maxConnectionsPerUser} per user`,
      );
      return;
    }
    if (!mine) this.open.set(user, (mine = new Set()));
    mine.add(connection.id);
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
    const mine = user === undefined ? undefined : this.open.get(user);
    if (!mine?.delete(connection.id)) return;
    if (mine.size === 0) {
      this.open.delete(user!);
      this.buckets.delete(user!);
    }
  }

  /** A token bucket per user, shared by their connections on this node. */
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
    bucket.tokens -= 1;
    return true;
  }

  onApplicationShutdown(): void {
    for (const timer of this.expiries.values()) clearTimeout(timer);
    this.expiries.clear();
  }
}
