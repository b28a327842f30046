import type { SocketAuthenticator, SocketConnectionInfo, SocketIdentity } from '@lattice/socket';
import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AuthenticationManager } from '../authentication/authentication.manager';
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
 */
@Injectable()
export class SecureSocketAuthenticator implements SocketAuthenticator {
  constructor(
    private readonly authentication: AuthenticationManager,
    private readonly limits: SecureSocketLimits,
  ) {}

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

  /** Caps connections per user and schedules the close at the token's expiry (`sockets` options). */
  connected(connection: SocketConnectionInfo): void {
    this.limits.connected(
      connection,
      (connection.identity as SecureSocketIdentity | null)?.expiresAt,
    );
  }

  disconnected(connection: SocketConnectionInfo): void {
    this.limits.disconnected(connection);
  }

  /** The per-user message rate (`sockets.userRateLimit`), on top of socket's per-connection one. */
  admit(connection: SocketConnectionInfo): boolean {
    return this.limits.admit(connection);
  }
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
