import { CanActivate, ExecutionContext, Inject, Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { bearerToken, type HttpRequestLike } from '../http/cookies';
import { SecurityMessages } from '../security.messages';
import { CSRF_OPTIONS, SAFE_METHODS, SKIP_CSRF_METADATA } from './csrf.constants';
import type { ResolvedCsrfOptions } from './csrf.options';
import { CsrfTokens } from './csrf-tokens';
import { checkOrigin } from './origin-check';

/**
 * Registered globally by `SecurityModule` after the authentication guard (unless `csrf: false`).
 * Every POST, PUT, PATCH and DELETE, and every request to an `@All()` handler (GET included),
 * must come from our own origin (`Sec-Fetch-Site`, `Origin`); when a valid access cookie
 * authenticates it, it must also send back the session's CSRF token. Requests with a bearer token carry no
 * ambient credentials and pass. A refused request gets 403 and its handler does not run.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: CsrfTokens,
    @Inject(CSRF_OPTIONS) private readonly options: ResolvedCsrfOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.options.enabled || context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<HttpRequestLike & { method?: string }>();
    const declared = this.reflector.get<RequestMethod | undefined>(
      METHOD_METADATA,
      context.getHandler(),
    );
    // An @All() handler answers GET too: a link or an <img> must not reach it either.
    const changesState =
      !SAFE_METHODS.has((request.method ?? 'GET').toUpperCase()) || declared === RequestMethod.ALL;
    if (!changesState) return true;
    if (
      this.reflector.getAllAndOverride<boolean>(SKIP_CSRF_METADATA, [
        context.getHandler(),
        context.getClass(),
      ])
    )
      return true;
    // A browser never adds an Authorization header on its own, and a cross-origin script
    // cannot add one without CORS allowing it.
    if (bearerToken(request) !== undefined) return true;
    const refusal = checkOrigin(request, this.options.allowedOrigins);
    if (refusal) throw SecurityMessages.csrfCrossOrigin(refusal.reason, refusal.value);
    // Without a valid access cookie the request acts as an anonymous visitor: nothing to forge.
    if (!(await this.tokens.cookieUser(request))) return true;
    if (this.tokens.submitted(request) === undefined)
      throw SecurityMessages.csrfTokenMissing(this.options.headerName, this.options.fieldName);
    if (!(await this.tokens.verify(request))) throw SecurityMessages.csrfTokenInvalid();
    return true;
  }
}
