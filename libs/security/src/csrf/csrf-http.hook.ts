import { Inject, Injectable, Logger, RequestMethod, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import {
  ApplicationConfig,
  DiscoveryService,
  HttpAdapterHost,
  MetadataScanner,
} from '@nestjs/core';
import type { HttpRequestLike } from '../http/cookies';
import { CsrfCheck } from './csrf.check';
import { CSRF_OPTIONS, SAFE_METHODS, SKIP_CSRF_METADATA } from './csrf.constants';
import type { ResolvedCsrfOptions } from './csrf.options';

/** Names Express gives the body parsers Nest (or the app) registers. */
const BODY_PARSERS = new Set(['jsonParser', 'urlencodedParser', 'rawParser', 'textParser']);

/**
 * The CSRF rule at the HTTP layer, for every state-changing request whatever serves it: Nest
 * controllers, and middleware mounted beside them (bull-board, any later dashboard), which Nest
 * guards never see. On Express it sits right after the body parsers (so a form's `_csrf` field
 * is read) and before every other middleware and route; on Fastify it is a root `preHandler`,
 * which every route and plugin inherits. Routes marked `@SkipCsrf()` are left out.
 */
@Injectable()
export class CsrfHttpHook implements OnModuleInit {
  private readonly logger = new Logger('Csrf');
  private skipped: { method: string; path: RegExp }[] = [];

  constructor(
    private readonly host: HttpAdapterHost,
    private readonly check: CsrfCheck,
    @Inject(CSRF_OPTIONS) private readonly options: ResolvedCsrfOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly config: ApplicationConfig,
  ) {
    const adapter = host.httpAdapter;
    if (!options.enabled || adapter?.getType() !== 'fastify') return;
    // Added before Nest and bull-board register their routes and plugins, so all inherit it.
    adapter.getInstance<FastifyLike>().addHook('preHandler', (request, reply, done) => {
      void this.run(request, request.raw.url ?? '/', done, (error) =>
        reply.code(403).send(error.getResponse()),
      );
    });
  }

  /** Runs after Nest registered its parsers, middleware and routes (Express). */
  onModuleInit(): void {
    if (!this.options.enabled) return;
    this.skipped = this.skippedRoutes();
    const adapter = this.host.httpAdapter;
    if (adapter?.getType() !== 'express') return;
    const express = adapter.getInstance<ExpressLike>();
    express.use((request, response, next) =>
      this.run(request, request.originalUrl ?? request.url ?? '/', next, (error) => {
        response.statusCode = 403;
        response.setHeader('content-type', 'application/json; charset=utf-8');
        response.end(JSON.stringify(error.getResponse()));
      }),
    );
    // `use` appended it after the routes; move it before every middleware and route.
    const stack = express.router.stack;
    const layer = stack.pop();
    if (!layer) return;
    let at = 0;
    stack.forEach((entry, index) => {
      if (BODY_PARSERS.has(entry.handle?.name ?? '')) at = index + 1;
    });
    stack.splice(at, 0, layer);
  }

  private async run(
    request: HttpRequestLike & { method?: string },
    url: string,
    next: () => void,
    refuse: (error: { getResponse(): string | object }) => void,
  ): Promise<void> {
    const method = (request.method ?? 'GET').toUpperCase();
    if (SAFE_METHODS.has(method) || this.isSkipped(method, url)) return next();
    try {
      const refusal = await this.check.refusal(request);
      if (refusal) return refuse(refusal);
      this.check.markChecked(request);
      next();
    } catch (error) {
      // The check reads the session; if that fails the request must not go through unchecked.
      this.logger.error(`The CSRF check failed: ${String(error)}`);
      refuse({
        getResponse: () => ({ statusCode: 403, message: 'The CSRF check could not run.' }),
      });
    }
  }

  private isSkipped(method: string, url: string): boolean {
    if (this.skipped.length === 0) return false;
    let path: string;
    try {
      path = decodeURIComponent(new URL(url, 'http://localhost').pathname);
    } catch {
      return false;
    }
    return this.skipped.some(
      (route) => (route.method === 'ALL' || route.method === method) && route.path.test(path),
    );
  }

  /** The `@SkipCsrf()` handlers' methods and paths (global prefix included), as matchers. */
  private skippedRoutes(): { method: string; path: RegExp }[] {
    const prefix = this.config.getGlobalPrefix();
    const routes: { method: string; path: RegExp }[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      const classSkips = Reflect.getMetadata(SKIP_CSRF_METADATA, metatype) === true;
      const bases = paths(Reflect.getMetadata(PATH_METADATA, metatype));
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as object;
        if (!classSkips && Reflect.getMetadata(SKIP_CSRF_METADATA, handler) !== true) continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        for (const base of bases)
          for (const own of paths(Reflect.getMetadata(PATH_METADATA, handler)))
            routes.push({
              method: RequestMethod[method] ?? 'ALL',
              path: matcher([prefix, base, own]),
            });
      }
    }
    return routes;
  }
}

const paths = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : [value === undefined ? '' : String(value)];

/** `/hooks/:id` → a whole-path matcher; `*` and `{*rest}` match the rest. */
function matcher(parts: string[]): RegExp {
  const path = parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .map((segment) =>
      segment.startsWith(':')
        ? '[^/]+'
        : segment === '*' || segment.startsWith('{*') || segment.startsWith('*')
          ? '.*'
          : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^/${path}/?$`);
}

type Next = () => void;
interface FastifyLike {
  addHook(
    name: 'preHandler',
    hook: (
      request: HttpRequestLike & { method?: string; raw: { url?: string } },
      reply: { code(status: number): { send(body: unknown): unknown } },
      done: Next,
    ) => void,
  ): void;
}
interface ExpressLike {
  use(
    handler: (
      request: HttpRequestLike & { method?: string; url?: string; originalUrl?: string },
      response: {
        statusCode: number;
        setHeader(name: string, value: string): void;
        end(body: string): void;
      },
      next: Next,
    ) => void,
  ): void;
  router: { stack: { handle?: { name?: string } }[] };
}
