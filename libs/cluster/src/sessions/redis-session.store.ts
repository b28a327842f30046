import { RedisConnections } from '@lattice/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { Store } from 'express-session';
import type { ClusterSessionOptions } from './sessions.interfaces';
import { SessionsMessages } from './sessions.messages';
import { NodeRedisFacade } from './node-redis-facade';

/** A session a day when the cookie says nothing (connect-redis's own default). */
const DEFAULT_TTL_SECONDS = 86_400;

type ConnectRedis = typeof import('connect-redis');

/** An optional peer, loaded when sessions are used, with a message naming what to install. */
export function loadSessionPackage<T>(pkg: string, platform: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(pkg) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'MODULE_NOT_FOUND' && String(error).includes(pkg))
      throw SessionsMessages.packageMissing(pkg, platform, error);
    throw error;
  }
}

/**
 * A session store on Redis (connect-redis) over core's shared Redis connection, for
 * express-session, @fastify/session or any middleware that takes an express-session `Store`. Each
 * session is one key, `<REDIS_KEY_PREFIX>cluster:sessions:<id>`, expiring with the cookie (or after
 * `ttlSeconds`), so every node reads and writes the same sessions. While Redis is unreachable its
 * calls fail at once with core's `ServiceUnavailableError` (a 503 naming Redis), not after a hang.
 *
 * @example
 * app.use(session({ store: createRedisSessionStore(app), secret, resave: false, saveUninitialized: false }));
 */
export function createRedisSessionStore(
  app: INestApplicationContext,
  options: Pick<ClusterSessionOptions, 'ttlSeconds' | 'keyPart'> = {},
  platform = 'express',
): Store {
  const redis = app.get(RedisConnections);
  if (!redis.configured) throw SessionsMessages.redisMissing();
  const { RedisStore } = loadSessionPackage<ConnectRedis>('connect-redis', platform);
  return new RedisStore({
    client: new NodeRedisFacade(redis.get()) as unknown as ConstructorParameters<
      typeof RedisStore
    >[0]['client'],
    prefix: `${redis.key('cluster', options.keyPart ?? 'sessions')}:`,
    ttl: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
  });
}
