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
 * express-session hands a store failure to `next(error)`, and saves a changed session only once
 * the route has answered, reporting a failed save after the response went out. Both are answered
 * here in the shape of core's `DependencyExceptionFilter` (503, `Retry-After`, the message naming
 * Redis): the load's failure before the route runs, and a changed session is saved when the route
 * ends its response, before the response is written, so a lost save is a 503, not a 200 whose
 * session vanished.
 */
function answerOutages(middleware: Middleware, errors: DependencyErrors): Middleware {
  return (req, res, next) => {
    middleware(req, res, (error?: unknown) => {
      if (error) return answer(res, errors, error, () => next(error));
      const request = req as IncomingMessage & { session?: SavableSession };
      const loaded = JSON.stringify(request.session ?? null);
      const end = res.end; // express-session's: saves (when needed), then writes
      res.end = function (this: ServerResponse, ...args: unknown[]) {
        const session = request.session;
        // Unchanged, destroyed, or already streaming: express-session's own way.
        if (!session || res.headersSent || JSON.stringify(session) === loaded)
          return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
        session.save((saveError) => {
          if (saveError) return answer(res, errors, saveError, () => undefined);
          (end as (...a: unknown[]) => ServerResponse).apply(this, args);
        });
        return this;
      } as ServerResponse['end'];
      next();
    });
  };
}

/** What express-session's `req.session` offers here. */
interface SavableSession {
  save(callback: (error?: unknown) => void): void;
}

/**
 * The answer to a store failure, written with the original `end` (express-session's would save
 * again): 503 for an outage, 409 for a conflict, otherwise `otherwise()` (Nest's error layer).
 */
function answer(
  res: ServerResponse,
  errors: DependencyErrors,
  error: unknown,
  otherwise: () => void,
): void {
  const failure = errors.classify(error);
  if (!failure) return otherwise();
  if (res.headersSent) return; // too late to say anything else; the next load answers 503
  const unavailable = failure instanceof ServiceUnavailableError;
  const status = unavailable ? 503 : 409;
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (unavailable) res.setHeader('retry-after', String(failure.retryAfterSeconds));
  const body = {
    statusCode: status,
    error: unavailable ? 'Service Unavailable' : 'Conflict',
    code: failure.code,
    message: failure.message,
  };
  (ServerResponse.prototype.end as (this: ServerResponse, chunk: string) => void).call(
    res,
    JSON.stringify(body),
  );
}
