export const LIVE_MODULE_OPTIONS = Symbol('lattice:live:options');

export interface LiveModuleOptions {
  /**
   * Signs live session tokens (at least 32 characters, the same on every node). Without one a
   * random secret is made at boot: fine for one process, but pages do not survive a restart.
   */
  secret?: string;
  /** How long a page's session token is valid, in seconds (default 12 hours). */
  tokenTtlSeconds?: number;
  /** Where the socket is mounted (SocketModule's path; default `/socket`). */
  socketPath?: string;
  /** Where the runtime script is served (default `/lattice`). */
  assetsPath?: string;
}

/**
 * The hook a CSRF protection implements (the security library does): the token of the request
 * a live page answers. `@LivePage` then puts it once in the page's
 * `<meta name="csrf-token" content="…">` for forms and scripts to send back.
 */
export const LIVE_CSRF_TOKENS = Symbol('lattice:live:csrf-tokens');

export interface LiveCsrfTokens {
  /** The token for this request (Express or Fastify request and reply objects). */
  token(request: unknown, response: unknown): string | Promise<string>;
}
