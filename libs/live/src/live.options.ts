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
