import {
  CLOSE_UNAUTHORIZED,
  type SocketAuthenticator,
  type SocketConnectionInfo,
  type SocketIdentity,
} from '@lattice/socket';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AuthenticationManager } from '../authentication/authentication.manager';
import { SecurityMessages } from '../security.messages';
import { SessionRevocations } from '../sessions/session-revocations';
import { SecureSocketLimits } from './socket-limits';

/** The identity of an authenticated socket connection: the access token's user. */
export interface SecureSocketIdentity extends SocketIdentity {
  username: string;
  roles: string[];
  sessionId: string;
  /** When the access token expires (ms since the epoch); the connection is closed with 4401 then. */
  expiresAt?: number;
}

/**
 * Implements @lattice/socket's `SOCKET_AUTHENTICATOR` (provided by `SecurityModule`): a
 * connection authenticates with the access-token cookie (pages) or an `Authorization: Bearer`
 * header (other clients) on the upgrade request, on every connect and reconnect. No token: an
 * anonymous connection (topics decide whether to accept it). A bad or expired token: the
 * connection is refused with close code 4401, and the client refreshes before reconnecting.
 * When the connection's session is ended (logout, "log out everywhere", an admin, a reused
 * refresh token) on any node, its connections on this node close with 4401 and no further frame
 * of theirs is handled.
 */
@Injectable()
export class SecureSocketAuthenticator implements SocketAuthenticator, OnApplicationShutdown {
  /** Open connections by session id, to close them when the session ends. */
  private readonly bySession = new Map<string, Set<SocketConnectionInfo>>();
  private readonly stopListening: () => void;

  constructor(
    private readonly authentication: AuthenticationManager,
    private readonly limits: SecureSocketLimits,
    private readonly revocations: SessionRevocations,
  ) {
    this.stopListening = revocations.onRevoked((sessionIds) => {
      for (const id of sessionIds)
        for (const connection of this.bySession.get(id) ?? [])
          connection.close(CLOSE_UNAUTHORIZED, 'session ended: log in again');
    });
  }

  async authenticate(request: IncomingMessage): Promise<SecureSocketIdentity | null> {
    const user = await this.authentication.authenticate(request);
    if (!user) return null;
    const identity: SecureSocketIdentity = {
      id: user.id,
      username: user.username,
      roles: user.roles,
      sessionId: user.sessionId,
    };
    const expiresAt = expiryOf(this.authentication.accessTokenOf(request));
    if (expiresAt !== undefined) identity.expiresAt = expiresAt;
    return identity;
  }

  /**
   * Caps connections per user (across the cluster with Redis: one round trip) and schedules the
   * close at the token's expiry (`sockets` options).
   */
  async connected(connection: SocketConnectionInfo): Promise<void> {
    const sessionId = sessionOf(connection);
    // Ended between the token check and now: refused (4401) rather than missed by the close.
    if (sessionId !== undefined && this.revocations.isRevoked(sessionId))
      throw SecurityMessages.sessionRevoked();
    // Registered first, so a session ended while the limits ask Redis still closes it.
    if (sessionId !== undefined) {
      let open = this.bySession.get(sessionId);
      if (!open) this.bySession.set(sessionId, (open = new Set()));
      open.add(connection);
    }
    await this.limits.connected(
      connection,
      (connection.identity as SecureSocketIdentity | null)?.expiresAt,
    );
  }

  disconnected(connection: SocketConnectionInfo): void {
    this.limits.disconnected(connection);
    const sessionId = sessionOf(connection);
    const open = sessionId === undefined ? undefined : this.bySession.get(sessionId);
    if (open?.delete(connection) && open.size === 0) this.bySession.delete(sessionId!);
  }

  /** Each frame: the session must not have been ended since the connection opened. */
  revoked(connection: SocketConnectionInfo): boolean {
    const sessionId = sessionOf(connection);
    return sessionId !== undefined && this.revocations.isRevoked(sessionId);
  }

  onApplicationShutdown(): void {
    this.stopListening();
  }

  /** The per-user message rate (`sockets.userRateLimit`), on top of socket's per-connection one. */
  admit(connection: SocketConnectionInfo): boolean {
    return this.limits.admit(connection);
  }
}

function sessionOf(connection: SocketConnectionInfo): string | undefined {
  const sessionId = (connection.identity as SecureSocketIdentity | null)?.sessionId;
  return typeof sessionId === 'string' ? sessionId : undefined;
}

/** `exp` of a token that was just verified, so reading its payload without checking is safe. */
function expiryOf(token: string | undefined): number | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token!.split('.')[1], 'base64url').toString()) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
