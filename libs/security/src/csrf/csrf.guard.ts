import { CanActivate, ExecutionContext, Inject, Injectable, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { HttpRequestLike } from '../http/cookies';
import { CsrfCheck } from './csrf.check';
import { CSRF_OPTIONS, SAFE_METHODS, SKIP_CSRF_METADATA } from './csrf.constants';
import type { ResolvedCsrfOptions } from './csrf.options';

/**
 * Registered globally by `SecurityModule` after the authentication guard (unless `csrf: false`).
 * `CsrfHttpHook` checks every POST, PUT, PATCH and DELETE at the HTTP layer, mounted middleware
 * included; this guard adds the requests to an `@All()` handler (GET included), which
 * must come from our own origin (`Sec-Fetch-Site`, `Origin`); when a valid access cookie
 * authenticates it, it must also send back the session's CSRF token. Requests with a bearer token carry no
 * ambient credentials and pass. A refused request gets 403 and its handler does not run.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly check: CsrfCheck,
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
    // Every POST, PUT, PATCH and DELETE already met the same rule at the HTTP layer.
    if (this.check.wasChecked(request)) return true;
    const refusal = await this.check.refusal(request);
    if (refusal) throw refusal;
    return true;
  }
}
