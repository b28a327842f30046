import {
  applyDecorators,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  Optional,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { CSRF_TOKENS, type CsrfTokenSource } from '@lattice/core';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { from, mergeMap, type Observable } from 'rxjs';
import type { LiveContext } from './component/component.service';
import { LIVE_PAGE_METADATA } from './live.constants';
import { LiveRenderer } from './live.renderer';
import type { TemplateResult } from './template/html';

export interface LivePageDecoratorOptions<P = unknown> {
  /** The page title, or a function of the props the handler returned. */
  title?: string | ((props: P) => string);
  /** Trusted markup for <head>: styles, meta tags. */
  head?: string;
  /** The `@Layout` to render the page in. */
  layout?: string;
  /** Named slots for the layout, from the props the handler returned. */
  slots?: (props: P) => Record<string, TemplateResult | undefined>;
}

/** What `@LivePage` records on the method; the names are checked at boot. */
export interface LivePageMetadata {
  component: string;
  options: LivePageDecoratorOptions;
}

@Injectable()
export class LivePageInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly renderer: LiveRenderer,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() @Inject(CSRF_TOKENS) private readonly csrf?: CsrfTokenSource,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<string> {
    const { component, options } = this.reflector.get<LivePageMetadata>(
      LIVE_PAGE_METADATA,
      context.getHandler(),
    );
    const response: unknown = context.switchToHttp().getResponse();
    return next.handle().pipe(
      mergeMap((props: unknown) =>
        from(
          (async () => {
            const title =
              typeof options.title === 'function' ? options.title(props) : options.title;
            const request = context.switchToHttp().getRequest<{ url?: string; user?: unknown }>();
            const csrfToken = await this.csrf?.token(request, response);
            const page = await this.renderer.page(
              component,
              props ?? {},
              {
                csrfToken,
                title,
                head: options.head,
                layout: options.layout,
                slots: options.slots?.(props),
                path: request.url?.split('?')[0],
              },
              identityOf(request.user),
            );
            this.adapterHost.httpAdapter.setHeader(
              response,
              'Content-Type',
              'text/html; charset=utf-8',
            );
            return page;
          })(),
        ),
      ),
    );
  }
}

/**
 * The first paint sees who is logged in as the live session will: `request.user` (set by an
 * authentication guard, such as @lattice/security's) when it has an id.
 */
function identityOf(user: unknown): LiveContext['identity'] {
  const id = (user as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' || typeof id === 'number'
    ? { ...(user as object), id: String(id) }
    : null;
}

/**
 * Serves a live page from a controller method (Express or Fastify): the method returns the
 * component's props; the page is rendered on the server, then upgraded to live in the browser.
 * The component and layout names are checked at boot: an unknown one stops the app, naming the
 * closest registered name.
 *
 * @example
 * @Get('/') @LivePage('question-list', { title: 'Questions' })
 * home(@Query('tag') tag?: string) { return { tag }; }
 */
export function LivePage<P = unknown>(
  component: string,
  options: LivePageDecoratorOptions<P> = {},
): MethodDecorator {
  return applyDecorators(
    SetMetadata(LIVE_PAGE_METADATA, { component, options }),
    UseInterceptors(LivePageInterceptor),
  );
}
