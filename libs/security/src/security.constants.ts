export const SECURITY_MODULE_OPTIONS = Symbol('lattice:security:options');

/**
 * Provide a `SecurityUserStore` under this token to keep accounts in the app's own table.
 * Without one, `SecurityModule` uses its TypeORM store on `lattice_users`.
 */
export const SECURITY_USER_STORE = Symbol('lattice:security:user-store');

/** Provide a `RefreshTokenStore` under this token to keep refresh-token families elsewhere. */
export const SECURITY_REFRESH_TOKEN_STORE = Symbol('lattice:security:refresh-token-store');

export { PUBLIC_ROUTE_METADATA as PUBLIC_METADATA } from '@lattice/core';

/** The claim that marks a JWT as an access token (refresh tokens are not JWTs at all). */
export const ACCESS_TOKEN_TYPE = 'access';

/** Algorithms Lattice signs and verifies with. `none` is never one of them. */
export const SUPPORTED_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'ES256',
  'ES384',
] as const;

// In core, so libraries that run handlers (live components) can tell a guarded one.
export { ROLES_METADATA, CAN_METADATA } from '@lattice/core';
export const RESOURCE_OWNERS_METADATA = 'lattice:security:resource-owners';

/** `manage` in a permission stands for every action, `all` for every subject. */
export const ANY_ACTION = 'manage';
export const ANY_SUBJECT = 'all';

/** The PubSub topic on which a node announces the sessions it ended (`SessionRevocations`). */
export const SESSION_REVOKED_TOPIC = 'lattice.security.sessions.revoked';
