import { z } from 'zod';

/**
 * The checked options of LiveModule (defaults filled in). Inject it in your own providers only
 * to read them; pass options through `LiveModule.forRoot()` / `forRootAsync()`.
 */
export const LIVE_MODULE_OPTIONS = Symbol('lattice:live:options');

export interface LiveModuleOptions {
  /**
   * Signs live session tokens (at least 32 characters, the same on every node). Default:
   * `LIVE_SECRET` from the configuration (add `liveConfigShape` to `LatticeModule.forRoot({ schema })`).
   * Required with `NODE_ENV=production`; otherwise a random one is made at boot, with a
   * warning (pages then cannot rejoin after a restart or on another node).
   */
  secret?: string;
  /** How long a page's session token is valid, in seconds (60 s to 30 days; default 12 hours). */
  tokenTtlSeconds?: number;
  /** Where the socket is mounted (SocketModule's path; default `/socket`). */
  socketPath?: string;
  /** Where the runtime script is served (default `/lattice`). */
  assetsPath?: string;
}

const path = z.string().regex(/^\/[^\s?#]*$/, { error: 'must be a path starting with "/"' });

/** The check of `LiveModuleOptions` at boot (`checkModuleOptions('LiveModule', …)`). */
export const liveModuleOptionsSchema = z.strictObject({
  // A refinement, not min(32): the checker would quote a too-short secret in its message.
  secret: z
    .string()
    .refine((secret) => secret.length >= 32, {
      error: 'must be at least 32 characters (e.g. openssl rand -base64 48)',
    })
    .optional(),
  tokenTtlSeconds: z
    .number()
    .int()
    .min(60)
    .max(30 * 24 * 3600)
    .default(12 * 3600),
  socketPath: path.default('/socket'),
  assetsPath: path.default('/lattice'),
}) satisfies z.ZodType<LiveModuleOptions, LiveModuleOptions>;

/** LiveModule's options after the check: defaults filled in. */
export type CheckedLiveOptions = z.output<typeof liveModuleOptionsSchema>;

/**
 * The variables the live library reads. Add them to the app's schema:
 * `LatticeModule.forRoot({ schema: { ...liveConfigShape, ...appShape } })`.
 */
export const liveConfigShape = {
  LIVE_SECRET: z
    .string()
    .min(32, { error: 'shorter than 32 characters' })
    .optional()
    .describe(
      'at least 32 random characters, the same on every node, e.g. LIVE_SECRET=$(openssl rand -base64 48)',
    ),
};
