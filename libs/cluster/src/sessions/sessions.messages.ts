import { LatticeError } from '@lattice/core';

/** The errors of `@lattice/cluster/sessions`: the thing, the cause, the fix. */
export const SessionsMessages = {
  redisMissing: () =>
    new LatticeError(
      'LATTICE_CLUSTER_SESSIONS_NO_REDIS',
      'Sessions across nodes need Redis, and REDIS_URL is not set.',
      "Set REDIS_URL (redis://host:6379), or keep the framework's own session store on a single node.",
    ),
  packageMissing: (pkg: string, platform: string, error: unknown) =>
    new LatticeError(
      'LATTICE_CLUSTER_SESSIONS_PACKAGE_MISSING',
      `Sessions on ${platform} need the package "${pkg}", which is not installed (${String(error)}).`,
      platform === 'fastify'
        ? "npm i connect-redis express-session @fastify/session @fastify/cookie (connect-redis builds on express-session's Store class)."
        : 'npm i connect-redis express-session',
    ),
  secretTooShort: (length: number) =>
    new LatticeError(
      'LATTICE_CLUSTER_SESSIONS_SECRET_SHORT',
      `The session secret is ${length} characters long; it signs every session cookie, so it must be at least 32.`,
      'Generate one with `openssl rand -base64 48` and read it from the environment (SESSION_SECRET).',
    ),
  platformUnknown: (name: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_SESSIONS_PLATFORM',
      `useClusterSessions() knows Express and Fastify, but the app runs on "${name}".`,
      'Create the app with @nestjs/platform-express or @nestjs/platform-fastify, or give your session middleware createRedisSessionStore(app) as its store.',
    ),
  tooLate: () =>
    new LatticeError(
      'LATTICE_CLUSTER_SESSIONS_TOO_LATE',
      'useClusterSessions() was called after the app started listening, so the session middleware would run after the routes.',
      'Call it right after NestFactory.create(), before app.listen() (or app.init()).',
    ),
};
