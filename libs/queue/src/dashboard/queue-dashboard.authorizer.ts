import { HttpException, Inject, Injectable, Logger } from '@nestjs/common';
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
    const check = (request: IncomingMessage, refuse: Refuse, next: () => void) =>
      Promise.resolve()
        .then(() => authorize(request))
        .then(
          (allowed) =>
            allowed
              ? next()
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
        void check(request.raw, (status, body) => void reply.code(status).send(body), done);
      });
    } else {
      const express = adapter.getInstance<ExpressLike>();
      express.use(route, (request, response, next) =>
        check(
          request,
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
