/** The session cookie's attributes (express-session and @fastify/session understand the same). */
export interface ClusterSessionCookieOptions {
  /** Lifetime in milliseconds; the Redis entry lives as long (default: none, a browser-session cookie and `ttlSeconds` in Redis). */
  maxAge?: number;
  /** Send over HTTPS only (default true; false for plain-HTTP development). */
  secure?: boolean;
  /** Default true: scripts cannot read it. */
  httpOnly?: boolean;
  /** Default `'lax'`. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** Default `/`. */
  path?: string;
  domain?: string;
}

/** Options of `useClusterSessions()`. */
export interface ClusterSessionOptions {
  /**
   * Signs the session cookie (at least 32 characters). Several: the first signs, all verify, so a
   * secret can be rotated without logging everyone out.
   */
  secret: string | string[];
  /** The cookie's name (default `lattice.sid`). */
  name?: string;
  cookie?: ClusterSessionCookieOptions;
  /** How long a session without `cookie.maxAge` lives in Redis, in seconds (default one day). */
  ttlSeconds?: number;
  /** Refresh the cookie's expiry on every response (default false). */
  rolling?: boolean;
  /**
   * Where the sessions live: `<REDIS_KEY_PREFIX>cluster:sessions:<id>` by default; give another
   * last part to keep two apps on one Redis apart.
   */
  keyPart?: string;
}
