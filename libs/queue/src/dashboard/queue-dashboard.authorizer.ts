import { CSRF_TOKENS, type CsrfTokenSource } from '@lattice/core';
import { HttpException, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_DASHBOARD_ROUTE, QUEUE_DASHBOARD_OPTIONS } from './queue-dashboard.constants';
import type { QueueDashboardOptions } from './queue-dashboard.interfaces';

/**
 * Runs `authorize` before any dashboard request, page or API. It hooks the HTTP server itself
 * when the app is built: Nest guards do not reach bull-board, and on Fastify bull-board's
 * routes live in a plugin that middleware registered later would not cover.
 */
@Injectable()
export class QueueDashboardAuthorizer {
  private readonly logger = new Logger('QueueDashboard');

  constructor(
    @Inject(QUEUE_DASHBOARD_OPTIONS) options: QueueDashboardOptions,
    host: HttpAdapterHost,
    @Optional() @Inject(CSRF_TOKENS) csrf?: CsrfTokenSource,
  ) {
    const authorize = options.authorize;
    const adapter = host.httpAdapter;
    if (!authorize || !adapter) return;
    const route = options.route ?? DEFAULT_DASHBOARD_ROUTE;
    const covers = (path: string) => path === route || path.startsWith(`${route}/`);
    // The path as the router sees it: decoded (`/admin/%71ueues`), and from an absolute request
    // target (`GET http://host/admin/queues`) too. A path that cannot be decoded is refused.
    const routedPath = (url: string): string | undefined => {
      try {
        return decodeURIComponent(new URL(url, 'http://localhost').pathname);
      } catch {
        return undefined;
      }
    };
    // bull-board's page posts with axios, which sends a readable XSRF-TOKEN cookie back as
    // X-XSRF-TOKEN: the CSRF check every state-changing request meets then passes for its actions.
    const isPage = (request: IncomingMessage) => {
      const path = routedPath(request.url ?? '/') ?? '';
      return (
        request.method === 'GET' &&
        !path.startsWith(`${route}/api/`) &&
        !path.startsWith(`${route}/static/`)
      );
    };
    const withToken = async (request: IncomingMessage, response: unknown) => {
      if (!csrf || !isPage(request)) return;
      const token = await csrf.token(request, response);
      const cookie = `XSRF-TOKEN=${token}; Path=${route}; SameSite=Strict`;
      const http = response as CookieWriter;
      if (http.append) http.append('Set-Cookie', cookie);
      else http.header?.('set-cookie', cookie);
    };
    const check = (request: IncomingMessage, response: unknown, refuse: Refuse, next: () => void) =>
      Promise.resolve()
        .then(() => authorize(request))
        .then(
          async (allowed) =>
            allowed
              ? withToken(request, response).then(next)
              : refuse(403, {
                  statusCode: 403,
                  message: 'You are not allowed to see the queue dashboard.',
                }),
          (error: unknown) => {
            if (error instanceof HttpException)
              return refuse(error.getStatus(), error.getResponse());
            this.logger.error(`authorize() failed: ${String(error)}`);
            refuse(500, {
              statusCode: 500,
              message: 'The queue dashboard could not check who you are.',
            });
          },
        );
    if (adapter.getType() === 'fastify') {
      const fastify = adapter.getInstance<FastifyLike>();
      fastify.addHook('onRequest', (request, reply, done) => {
        const path = routedPath(request.url);
        // Also the route Fastify matched, whatever spelling of the path led to it.
        const matched = request.routeOptions?.url;
        if (path !== undefined && !covers(path) && !(matched && covers(matched))) return done();
        void check(request.raw, reply, (status, body) => void reply.code(status).send(body), done);
      });
    } else {
      const express = adapter.getInstance<ExpressLike>();
      express.use(route, (request, response, next) =>
        check(
          request,
          response,
          (status, body) => {
            response.statusCode = status;
            response.setHeader('content-type', 'application/json; charset=utf-8');
            response.end(
              JSON.stringify(
                typeof body === 'string' ? { statusCode: status, message: body } : body,
              ),
            );
          },
          next,
        ),
      );
    }
  }
}

type Refuse = (status: number, body: string | object) => void;
interface CookieWriter {
  append?(name: string, value: string): unknown;
  header?(name: string, value: string): unknown;
}
interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (
      request: { url: string; raw: IncomingMessage; routeOptions?: { url?: string } },
      reply: { code(status: number): { send(body: unknown): unknown } },
      done: () => void,
    ) => void,
  ): void;
}
interface ExpressLike {
  use(
    path: string,
    handler: (request: IncomingMessage, response: ServerResponse, next: () => void) => void,
  ): void;
}
