import { z } from 'zod';

/**
 * The variables Lattice itself reads. Each `.describe()` is the expected form shown
 * when the value is wrong, so keep it short and give an example.
 * Apps add their own through `LatticeModule.forRoot({ schema })`, described the same way.
 */
export const latticeConfigShape = {
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'not a known environment' })
    .default('development')
    .describe('one of development, production, test'),
  PORT: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'below 1' })
    .max(65535, { error: 'above 65535' })
    .default(3000)
    .describe('a port number from 1 to 65535, e.g. PORT=3000'),
  HOST: z
    .string()
    .min(1)
    .default('0.0.0.0')
    .describe('an interface address to listen on, e.g. HOST=127.0.0.1'),
  DATABASE_URL: z
    .string()
    .superRefine(checkDatabaseUrl)
    .optional()
    .describe(
      'mysql://user:password@host:3306/database, or sqlite:path/to/file.sqlite, or unset for SQLite in var/lattice.sqlite',
    ),
  REDIS_URL: z
    .string()
    .superRefine(checkRedisUrl)
    .optional()
    .describe(
      'redis://[user:password@]host:6379[/db] or rediss://…, or unset for in-process drivers',
    ),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w.:-]*$/, { error: 'has characters other than letters, digits and . : _ -' })
    .default('lattice:')
    .describe('a short prefix for every Redis key and channel, e.g. REDIS_KEY_PREFIX=forum:'),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'below 1' })
    .default(1000)
    .describe('how long a Redis command may take before it fails, in ms, e.g. 1000'),
  REDIS_CONNECT_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'below 1' })
    .default(1000)
    .describe('how long connecting to Redis (until it is ready) may take, in ms, e.g. 1000'),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'below 1' })
    .default(1000)
    .describe('how long opening a MySQL connection may take, in ms, e.g. 1000'),
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(1, { error: 'below 1' })
    .default(1000)
    .describe('how long a request may wait for a free MySQL connection, in ms, e.g. 1000'),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(0, { error: 'below 0' })
    .default(1000)
    .describe('how long one MySQL query may take, in ms (0 = no limit), e.g. 1000'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'], { error: 'not a known level' })
    .default('log')
    .describe('one of fatal, error, warn, log, debug, verbose'),
  // Graceful shutdown (enableLatticeShutdown): see docs/guide/core.md.
  SHUTDOWN_DELAY_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(0, { error: 'below 0' })
    .max(600_000, { error: 'above 600000' })
    .default(0)
    .describe(
      'milliseconds between readiness turning 503 and the listener closing, e.g. SHUTDOWN_DELAY_MS=5000',
    ),
  SHUTDOWN_TIMEOUT_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(0, { error: 'below 0' })
    .max(600_000, { error: 'above 600000' })
    .default(10_000)
    .describe(
      'milliseconds open HTTP connections get to finish before they are closed, e.g. SHUTDOWN_TIMEOUT_MS=10000',
    ),
};

export type LatticeConfigValues = z.output<z.ZodObject<typeof latticeConfigShape>>;

const SQL_SCHEMES = ['mysql:', 'mariadb:', 'sqlite:'];

function checkDatabaseUrl(value: string, ctx: z.RefinementCtx): void {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(value)?.[0].toLowerCase();
  if (!scheme || !SQL_SCHEMES.includes(scheme)) {
    ctx.addIssue({
      code: 'custom',
      message: scheme
        ? `the scheme "${scheme}" is not supported (use mysql:, mariadb: or sqlite:)`
        : 'not a URL',
    });
    return;
  }
  if (scheme === 'sqlite:') {
    if (value.length === scheme.length)
      ctx.addIssue({ code: 'custom', message: 'no file path after sqlite:' });
    return;
  }
  const url = parseUrl(value);
  if (!url) return void ctx.addIssue({ code: 'custom', message: 'not a valid URL' });
  if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'no host name' });
  if (url.pathname.replace(/^\//, '') === '')
    ctx.addIssue({ code: 'custom', message: 'no database name after the host' });
}

function checkRedisUrl(value: string, ctx: z.RefinementCtx): void {
  const url = parseUrl(value);
  if (!url) return void ctx.addIssue({ code: 'custom', message: 'not a valid URL' });
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    ctx.addIssue({
      code: 'custom',
      message: `the scheme "${url.protocol}" is not supported (use redis: or rediss:)`,
    });
    return;
  }
  if (!url.hostname) ctx.addIssue({ code: 'custom', message: 'no host name' });
  const db = url.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    ctx.addIssue({ code: 'custom', message: `"/${db}" is not a database number` });
}

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}
