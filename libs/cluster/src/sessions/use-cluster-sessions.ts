import { DependencyErrors, ServiceUnavailableError } from '@lattice/core';
import type { INestApplication } from '@nestjs/common';
import type { SessionOptions } from 'express-session';
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createRedisSessionStore, loadSessionPackage } from './redis-session.store';
import type { ClusterSessionOptions } from './sessions.interfaces';
import { SessionsMessages } from './sessions.messages';

const DEFAULT_COOKIE_NAME = 'lattice.sid';

/** Connect-style middleware, as express-session's is (without a type import of express). */
type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/** The subset of a Fastify instance this file uses (NestFastifyApplication.register and the instance). */
interface FastifyLike {
  hasDecorator(name: string): boolean;
}
interface RegisterLike {
  register(plugin: unknown, options?: unknown): Promise<unknown>;
}

/**
 * Server sessions shared by every node: express-session on Express or @fastify/session on Fastify
 * (picked by the app's adapter), both with the Redis store of `createRedisSessionStore()`. A value
 * set on `req.session` by a request on one node is there for the next request on any node; a
 * session destroyed on one is gone on all. While Redis is unreachable a request that needs its
 * session is answered with 503 naming Redis (core's `DependencyExceptionFilter` shape) at once.
 *
 * Call it after `NestFactory.create()` and before `app.listen()`, so the session is loaded before
 * the routes run. Needs REDIS_URL.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * await useClusterSessions(app, { secret: process.env.SESSION_SECRET!, cookie: { maxAge: 86_400_000 } });
 * await app.listen(3000);
 */
export async function useClusterSessions(
  app: INestApplication,
  options: ClusterSessionOptions,
): Promise<void> {
  const secrets = Array.isArray(options.secret) ? options.secret : [options.secret];
  const shortest = Math.min(...secrets.map((secret) => secret.length));
  if (!secrets.length || shortest < 32) throw SessionsMessages.secretTooShort(shortest || 0);
  const server = app.getHttpServer() as Server | undefined;
  if (server?.listening) throw SessionsMessages.tooLate();
  const platform = app.getHttpAdapter().getType();
  const cookie = {
    secure: true,
    httpOnly: true,
    sameSite: 'lax' as const,
    path: '/',
    ...options.cookie,
  };
  if (platform === 'express') {
    const session = loadSessionPackage<typeof import('express-session')>(
      'express-session',
      platform,
    );
    const middleware = session({
      store: createRedisSessionStore(app, options, platform),
      secret: secrets,
      name: options.name ?? DEFAULT_COOKIE_NAME,
      cookie,
      rolling: options.rolling ?? false,
      resave: false,
      saveUninitialized: false,
    } satisfies SessionOptions);
    app.use(answerOutages(middleware as unknown as Middleware, app.get(DependencyErrors)));
    return;
  }
  if (platform === 'fastify') {
    const fastifySession = loadSessionPackage<{ default?: unknown }>('@fastify/session', platform);
    const instance = app.getHttpAdapter().getInstance() as FastifyLike;
    const host = app as unknown as RegisterLike;
    // Registered once per app: an app that parses cookies already keeps its own registration.
    if (!instance.hasDecorator('parseCookie')) {
      const fastifyCookie = loadSessionPackage<{ default?: unknown }>('@fastify/cookie', platform);
      await host.register(fastifyCookie.default ?? fastifyCookie);
    }
    await host.register(fastifySession.default ?? fastifySession, {
      store: createRedisSessionStore(app, options, platform),
      secret: secrets.length === 1 ? secrets[0] : secrets,
      cookieName: options.name ?? DEFAULT_COOKIE_NAME,
      cookie,
      rolling: options.rolling ?? false,
      saveUninitialized: false,
    });
    return;
  }
  throw SessionsMessages.platformUnknown(platform);
}

/**
 * express-session hands a store failure to `next(error)`. Loading the session (before the route)
 * fails fast with Redis down, and the answer is written here in the shape of core's
 * `DependencyExceptionFilter`: 503, `Retry-After` and the message naming Redis. A save that fails
 * after the route is reported once the response has gone out (express-session's order), so that
 * response stands and the session's next load answers 503; should express-session report it
 * earlier, the answer is written with the original `end` (its own replacement would save again).
 */
function answerOutages(middleware: Middleware, errors: DependencyErrors): Middleware {
  return (req, res, next) => {
    let routed = false;
    middleware(req, res, (error?: unknown) => {
      if (!error) {
        routed = true;
        return next();
      }
      const failure = errors.classify(error);
      if (!failure && !routed) return next(error);
      // express-session sends the response before it reports a failed save: it stands.
      if (res.headersSent) return;
      const unavailable = failure instanceof ServiceUnavailableError;
      const status = !failure ? 500 : unavailable ? 503 : 409;
      const body = failure
        ? {
            statusCode: status,
            error: unavailable ? 'Service Unavailable' : 'Conflict',
            code: failure.code,
            message: failure.message,
          }
        : { statusCode: 500, message: 'Internal server error' };
      res.statusCode = status;
      res.setHeader('content-type', 'application/json; charset=utf-8');
      if (unavailable) res.setHeader('retry-after', String(failure.retryAfterSeconds));
      // The original end: express-session's replacement would try to save again.
      (ServerResponse.prototype.end as (this: ServerResponse, chunk: string) => void).call(
        res,
        JSON.stringify(body),
      );
    });
  };
}
