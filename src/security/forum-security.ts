import { LatticeConfig } from '@lattice/core';
import { SecurityModule } from '@lattice/security';
import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { forumConfigShape } from '../forum.config';
import { ForumUserStore } from '../users/forum-user.store';
import { UsersModule } from '../users/users.module';

/**
 * Accounts, sessions, CSRF, headers and rate limits for the Forum: accounts are the `users`
 * table (email as the username). Every route needs a login unless it is `@Public()`.
 */
export function forumSecurity({ cli = false }: { cli?: boolean } = {}) {
  return SecurityModule.forRootAsync({
    // UsersModule owns and exports the store; SecurityModule uses that one instance.
    userStore: { useExisting: ForumUserStore },
    imports: [UsersModule],
    inject: [LatticeConfig],
    useFactory: (config: LatticeConfig<typeof forumConfigShape>) => ({
      jwt: { secret: jwtSecret(config, !cli), issuer: 'lattice-forum', audience: 'lattice-forum' },
      // Roles are the one `role` column; moderators include members, admins moderators.
      authorization: {
        roles: { member: [], moderator: ['member'], admin: ['moderator'] },
        permissions: {
          member: ['create:question', 'create:answer', 'vote:question', 'delete:answer:own'],
          moderator: ['delete:answer'],
          admin: ['manage:all'],
        },
      },
      // bull-board's page sets <base href>; 'self' still keeps other origins out.
      headers: { contentSecurityPolicy: { directives: { 'base-uri': ["'self'"] } } },
      // Per route and minute, from one address and from one logged-in user (by default 300 and
      // 60); the limits are configuration (forumLimitsShape, decision 0038).
      rateLimit: {
        rules: [
          { name: 'ip', by: 'ip', limit: config.get('RATE_LIMIT_IP_PER_MINUTE'), ttlMs: 60_000 },
          {
            name: 'user',
            by: 'user',
            limit: config.get('RATE_LIMIT_USER_PER_MINUTE'),
            ttlMs: 60_000,
          },
        ],
      },
      loginThrottle: {
        maxAttemptsPerAccount: config.get('LOGIN_MAX_ATTEMPTS_PER_ACCOUNT'),
        maxAttemptsPerIp: config.get('LOGIN_MAX_ATTEMPTS_PER_IP'),
        windowSeconds: config.get('LOGIN_LOCK_SECONDS'),
      },
      sockets: {
        maxConnectionsPerUser: config.get('SOCKET_MAX_CONNECTIONS_PER_USER'),
        userRateLimit: { messages: config.get('SOCKET_USER_MESSAGES_PER_SECOND'), perMs: 1000 },
      },
    }),
  });
}

/** JWT_SECRET, or in development a random one per process (logins then end at a restart). */
function jwtSecret(
  config: LatticeConfig<typeof forumConfigShape>,
  signsTokens: boolean,
): string | undefined {
  const secret = config.get('JWT_SECRET');
  if (secret) return secret;
  // The command line signs no tokens: it needs the module only for its tables and commands.
  if (!signsTokens) return randomBytes(48).toString('base64');
  if (config.isProduction) return undefined; // the app refuses to start without one
  new Logger('Security').warn(
    'No JWT_SECRET set: using a random one, so logins end when the app restarts and do not carry to other nodes. Set JWT_SECRET (openssl rand -base64 48).',
  );
  return randomBytes(48).toString('base64');
}
