import type { SocketConnectionInfo, SocketIdentity, TopicHandler } from '@lattice/socket';
import { Injectable } from '@nestjs/common';
import { AuthorizationManager, type Principal } from '../authorization/authorization.manager';
import { AccessDeniedError } from '../errors/access-denied.error';
import { SecurityMessages } from '../security.messages';
import { SessionRevocations } from '../sessions/session-revocations';
import type { SecureSocketIdentity } from './secure-socket.authenticator';

/** Who may join a channel. Every given part must hold; an anonymous connection never may. */
export interface ChannelRule {
  /** One of these roles (or a role that includes it). */
  roles?: string[];
  /** A permission; with `id`, ownership rules ask the subject's `@ResourceOwners` provider. */
  can?: { action: string; subject: string; id?: string };
}

/**
 * Per-channel authorisation for WebSocket subscriptions, with the same roles and permissions as
 * HTTP routes: for events' `@ChannelAuth` callbacks (`allows`) and @lattice/socket topic handlers
 * (`join`). Checked on every join and rejoin, so a reconnect with a new token is checked again; an
 * identity whose access token has expired, or whose session was ended, is refused.
 *
 * @example
 * @ChannelAuth('question.{id}.moderation')
 * moderation(identity: SocketIdentity | null, { id }: { id: string }) {
 *   return this.channels.allows(identity, { can: { action: 'update', subject: 'question', id } });
 * }
 */
@Injectable()
export class ChannelAccess {
  constructor(
    private readonly authorization: AuthorizationManager,
    private readonly revocations: SessionRevocations,
  ) {}

  async allows(identity: SocketIdentity | null | undefined, rule: ChannelRule): Promise<boolean> {
    const user = principalOf(identity);
    if (!user || this.ended(identity)) return false;
    if (rule.roles?.length && !this.authorization.hasRole(user, ...rule.roles)) return false;
    if (rule.can) {
      const { action, subject, id } = rule.can;
      if (
        !(await this.authorization.can(
          user,
          action,
          subject,
          id === undefined ? undefined : { id },
        ))
      )
        return false;
    }
    return true;
  }

  /**
   * A topic handler's `join` that refuses (403, the reason goes back to the client) unless the
   * rule holds; the rule may depend on the topic (`question:7` → its id).
   */
  join(rule: ChannelRule | ((topic: string) => ChannelRule)): NonNullable<TopicHandler['join']> {
    return async (connection: SocketConnectionInfo, topic: string) => {
      if (await this.allows(connection.identity, typeof rule === 'function' ? rule(topic) : rule))
        return null;
      if (!connection.identity) throw SecurityMessages.tokenMissing();
      if (!principalOf(connection.identity)) throw SecurityMessages.tokenExpired();
      if (this.ended(connection.identity)) throw SecurityMessages.sessionRevoked();
      throw new AccessDeniedError(`You may not join "${topic}".`);
    };
  }

  /** The identity's session was ended (logout elsewhere) after the connection authenticated. */
  private ended(identity: SocketIdentity | null | undefined): boolean {
    const sessionId = (identity as SecureSocketIdentity | null | undefined)?.sessionId;
    return typeof sessionId === 'string' && this.revocations.isRevoked(sessionId);
  }
}

function principalOf(identity: SocketIdentity | null | undefined): Principal | undefined {
  const secure = identity as SecureSocketIdentity | null | undefined;
  if (!secure || !Array.isArray(secure.roles)) return undefined;
  if (secure.expiresAt !== undefined && secure.expiresAt <= Date.now()) return undefined;
  return secure;
}
