import type { SocketAuthenticator, SocketIdentity } from '@lattice/socket';
import { Injectable } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { AuthenticationManager } from '../authentication/authentication.manager';

/** The identity of an authenticated socket connection: the access token's user. */
export interface SecureSocketIdentity extends SocketIdentity {
  username: string;
  roles: string[];
  sessionId: string;
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
  constructor(private readonly authentication: AuthenticationManager) {}

  async authenticate(request: IncomingMessage): Promise<SecureSocketIdentity | null> {
    const user = await this.authentication.authenticate(request);
    return user
      ? { id: user.id, username: user.username, roles: user.roles, sessionId: user.sessionId }
      : null;
  }
}
