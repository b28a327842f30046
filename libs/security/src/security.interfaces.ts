import type { ModuleMetadata, Type } from '@nestjs/common';
import type { SUPPORTED_ALGORITHMS } from './security.constants';
import type { CsrfOptions } from './csrf/csrf.interfaces';
import type { SecurityHeadersOptions } from './headers/security-headers.interfaces';
import type { RefreshTokenStore } from './stores/refresh-token-store.interface';
import type { SecurityUserStore } from './stores/user-store.interface';

export type JwtAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

/** Who made a request, as the access token says. `request.user` and `@CurrentUser()` hold it. */
export interface AuthUser {
  id: string;
  username: string;
  roles: string[];
  /** The refresh-token family (login session) the access token was issued for. */
  sessionId: string;
}

export interface JwtOptions {
  /** Signing and the only accepted algorithm (default `HS256`). */
  algorithm?: JwtAlgorithm;
  /** HS* secret, at least 32 bytes. Default: `JWT_SECRET` from the configuration (see `securityConfigShape`). */
  secret?: string;
  /** RS*, PS* and ES*: the PEM private key that signs. */
  privateKey?: string;
  /** RS*, PS* and ES*: the PEM public key that verifies. */
  publicKey?: string;
  /** `iss` written and required (default `lattice`). */
  issuer?: string;
  /**
   * `aud` written and required. Default: the app's name from `LatticeModule.forRoot({ app: { name
   * } })` as a slug (`Lattice Forum` → `lattice-forum`), else `lattice`. Give each app its own.
   */
  audience?: string;
  /** Access-token lifetime in seconds (default 600). */
  accessTtlSeconds?: number;
  /** Clock difference tolerated on `exp`, `nbf` and `iat`, in seconds (default 30, at most 300). */
  clockSkewSeconds?: number;
}

export interface CookieOptions {
  /**
   * Access-token cookie (default `__Host-lattice_access`; `lattice_access` when not `secure`,
   * `__Secure-lattice_access` with a `domain`).
   */
  accessName?: string;
  /**
   * Refresh-token cookie (default `__Secure-lattice_refresh`; `lattice_refresh` when not
   * `secure`), sent only to the auth routes.
   */
  refreshName?: string;
  /** `Secure` attribute (default true; browsers accept Secure cookies on http://localhost). */
  secure?: boolean;
  /** SameSite of the access cookie (default `Lax`; the refresh cookie is always `Strict`). */
  sameSite?: 'Strict' | 'Lax';
  /** Cookie domain (default none: host-only). */
  domain?: string;
}

export interface LoginThrottleOptions {
  /** Failed logins per account within the window before it is locked (default 5). */
  maxAttemptsPerAccount?: number;
  /** Failed logins per client IP within the window before it is locked (default 20). */
  maxAttemptsPerIp?: number;
  /** The counting window and the lock duration, in seconds (default 900). */
  windowSeconds?: number;
  /** `memory` (this process) or `redis` (all nodes). Default: Redis when REDIS_URL is set. */
  store?: 'memory' | 'redis';
}

export interface PasswordOptions {
  /** Shortest accepted password (default 8, ASVS 5.0 V6.2.1). */
  minLength?: number;
  /** argon2id memory cost in KiB (default 19456, the OWASP minimum). */
  memoryCost?: number;
  /** argon2id passes (default 2). */
  timeCost?: number;
}

/**
 * A permission: `'update:question'`, `'update:question:own'` (only resources the user owns),
 * `'manage:all'` (everything), or the same as an object.
 */
export type PermissionRule = string | { action: string; subject: string; own?: boolean };

export interface AuthorizationOptions {
  /**
   * Each role and the roles it includes. Default: `{ member: [], moderator: ['member'],
   * admin: ['moderator'] }` (member < moderator < admin).
   */
  roles?: Record<string, string[]>;
  /** What each role may do (included roles' permissions come along). Default: `{ admin: ['manage:all'] }`. */
  permissions?: Record<string, PermissionRule[]>;
}

export interface EncryptionOptions {
  /**
   * Keys by id, each 32 random bytes in base64; the first encrypts, all decrypt. Default:
   * `ENCRYPTION_KEYS` from the configuration (`k2:…,k1:…`).
   */
  keys?: Array<{ id: string; key: string }>;
}

/** One HTTP rate limit: `limit` requests per `ttlMs` per route, counted per address or per user. */
export interface RateLimitRule {
  /** Its name, for `@Throttle({ [name]: { limit, ttl } })` and `@SkipThrottle({ [name]: true })`. */
  name: string;
  /** `ip`: per client address; `user`: per authenticated user (anonymous requests are not counted). */
  by: 'ip' | 'user';
  limit: number;
  ttlMs: number;
  /** How long a client over the limit is refused (429 + `Retry-After`), in ms (default `ttlMs`). */
  blockMs?: number;
}

export interface RateLimitOptions {
  /** Default: 120 per minute per route, by `ip` and by `user`. */
  rules?: RateLimitRule[];
  /** `memory` (this process) or `redis` (all nodes). Default: Redis when REDIS_URL is set. */
  store?: 'memory' | 'redis';
}

/** Limits on @lattice/socket connections (enforced by `SecureSocketAuthenticator`, per node). */
export interface SocketLimitOptions {
  /** Open connections per user; one more is closed with 4429 (default 10, 0 for no limit). */
  maxConnectionsPerUser?: number;
  /** Frames per user across their connections (default 120 per second; `false` for none). */
  userRateLimit?: { messages: number; perMs: number } | false;
  /**
   * Close a connection with 4401 when its access token expires (default true), so no connection
   * acts for a user longer than their token. Live pages refresh the cookie and reconnect by
   * themselves; a `SocketClient` of your own needs a `reauthenticate` that refreshes it (without
   * one it reconnects anonymously once the cookie is gone). `false` keeps connections open with
   * the identity they opened with; `ChannelAccess` and the guards still refuse it once expired.
   */
  closeOnTokenExpiry?: boolean;
  /**
   * With REDIS_URL set, count both limits across the cluster (default true): without it each of
   * N nodes would allow the limit, N times in all. `false` counts per node.
   */
  cluster?: boolean;
  /**
   * How long a node's connections count in Redis without the node renewing them (default 15 s;
   * renewed every third of it): the places of a node that crashed are free again after this, or
   * at once when cluster membership announces that it left.
   */
  leaseMs?: number;
}

export interface SecurityModuleOptions {
  /**
   * CSRF protection for cookie-authenticated browsers (on by default; `false` turns it off):
   * origin checks on every state-changing request, and the session's token on those that carry
   * the access cookie. See `CsrfGuard`.
   */
  csrf?: CsrfOptions | false;
  /**
   * Security headers through helmet on every response, with a per-request nonce in the
   * Content-Security-Policy's `script-src` (on by default; `false` sends none).
   */
  headers?: SecurityHeadersOptions | false;
  /** HTTP rate limits through `@nestjs/throttler` (default: none; `{}` for the default rules). */
  rateLimit?: RateLimitOptions | false;
  /** WebSocket connection and message limits per user, and the close at token expiry. */
  sockets?: SocketLimitOptions;
  jwt?: JwtOptions;
  encryption?: EncryptionOptions;
  authorization?: AuthorizationOptions;
  cookies?: CookieOptions;
  /** Refresh-token lifetime in seconds, renewed at each rotation (default 14 days). */
  refreshTtlSeconds?: number;
  /**
   * The longest a login session lives, however often it is refreshed, in seconds (default 30
   * days): then the refresh token is refused and the user logs in again.
   */
  sessionLifetimeSeconds?: number;
  loginThrottle?: LoginThrottleOptions;
  passwords?: PasswordOptions;
  /** Roles given to a new account (default `['member']`). */
  defaultRoles?: string[];
  /**
   * Every route needs a valid access token unless marked `@Public()`, and rate limits and
   * `@Roles()`/`@Can()` apply to every route (default true). `false` leaves only CSRF global:
   * use `@UseGuards(AuthenticationGuard, AuthorizationGuard)` where you want them. Honoured
   * from `forRoot` and `forRootAsync` alike.
   */
  globalGuard?: boolean;
  /**
   * Check on every request that the token's session was not revoked (logout, reuse detection):
   * one store read per request. Default false: revocation then takes effect when the access token
   * expires (`accessTtlSeconds`).
   */
  checkSessionOnEachRequest?: boolean;
}

/** Where accounts and refresh-token families live: the TypeORM default or the app's own class. */
export interface SecurityStoreOptions {
  /**
   * Default `'database'`: the `lattice_users` table through DatabaseModule. A class is registered
   * by SecurityModule; `{ useExisting: UserStore }` uses the instance a module of the app provides
   * and exports (list that module in `imports`), so the feature that owns users owns its store.
   */
  userStore?: 'database' | Type<SecurityUserStore> | { useExisting: Type<SecurityUserStore> };
  /** Default `'database'`: the `lattice_refresh_tokens` table through DatabaseModule. */
  refreshTokenStore?: 'database' | Type<RefreshTokenStore>;
}

/**
 * What shapes the module itself (its routes, tables and providers), so it is given to
 * `forRoot()` / `forRootAsync()` directly, never from an options factory.
 */
export interface SecurityModuleExtras extends SecurityStoreOptions {
  /**
   * Export the security services to every module (default true): lower libraries find its
   * hooks (`SOCKET_AUTHENTICATOR`, `HANDLER_GUARD`, `CSRF_TOKENS`) by injection, and would run
   * unguarded without them. `false` keeps them to the importing module.
   */
  isGlobal?: boolean;
  /** Routes `register`, `login`, `refresh`, `logout`, `me` under this prefix (default `auth`); `false` for none. */
  routes?: string | false;
  /**
   * Provide `SOCKET_AUTHENTICATOR` so @lattice/socket connections authenticate with the access
   * cookie or a bearer header (default true).
   */
  socketAuthenticator?: boolean;
  /**
   * Record security events (logins, lockouts, refresh-token reuse, logouts, denials) in the
   * hash-chained audit log `lattice_audit_log` through DatabaseModule (default true).
   */
  audit?: boolean;
  /**
   * Modules the store classes need (`DatabaseModule.forFeature([User])` for a TypeORM store).
   * `forRootAsync` takes them in its own `imports`.
   */
  imports?: ModuleMetadata['imports'];
}
