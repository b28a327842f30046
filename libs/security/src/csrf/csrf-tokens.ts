import type { CsrfTokenSource } from '@lattice/core';
import { Inject, Injectable } from '@nestjs/common';
import { doubleCsrf, type DoubleCsrfUtilities } from 'csrf-csrf';
import { AuthenticationManager } from '../authentication/authentication.manager';
import {
  appendSetCookie,
  readCookies,
  serializeCookie,
  type HttpRequestLike,
  type HttpResponseLike,
} from '../http/cookies';
import { SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { AuthUser } from '../security.interfaces';
import type { ResolvedSecurityOptions } from '../security.options';
import { CSRF_OPTIONS, XSRF_HEADER } from './csrf.constants';
import type { ResolvedCsrfOptions } from './csrf.options';

/** What csrf-csrf reads from a request; built from Express and Fastify requests alike. */
interface CsrfRequestView {
  cookies: Record<string, string>;
  sessionId: string;
  submitted: string | undefined;
}

/**
 * Signed double-submit CSRF tokens (csrf-csrf): the token is an HMAC of the login session and a
 * random value, sent to the page (`<meta name="csrf-token">`, a hidden `_csrf` field) and kept
 * in an HttpOnly cookie; a state-changing request must send it back, and it must match the
 * cookie and the session. A token of another session, or one planted in a cookie by a sibling
 * subdomain, does not verify. Also core's `CSRF_TOKENS` hook, which @lattice/live's `@LivePage` reads.
 */
@Injectable()
export class CsrfTokens implements CsrfTokenSource {
  private readonly csrf: DoubleCsrfUtilities;
  // One token per request, so a page that asks twice sets the cookie once.
  private readonly issued = new WeakMap<object, string>();

  constructor(
    @Inject(CSRF_OPTIONS) private readonly options: ResolvedCsrfOptions,
    @Inject(SECURITY_MODULE_OPTIONS) private readonly security: ResolvedSecurityOptions,
    private readonly authentication: AuthenticationManager,
  ) {
    this.csrf = doubleCsrf({
      getSecret: () => options.secret,
      getSessionIdentifier: (request) => (request as unknown as CsrfRequestView).sessionId,
      getCsrfTokenFromRequest: (request) => (request as unknown as CsrfRequestView).submitted,
      cookieName: options.cookieName,
      size: 32,
    });
  }

  /**
   * The token for this request's session (a page renders it), setting the cookie when the
   * request has no valid one. Express or Fastify request and response.
   */
  async token(request: unknown, response: unknown): Promise<string> {
    const http = request as HttpRequestLike;
    const known = this.issued.get(http);
    if (known) return known;
    const view = await this.view(http, undefined);
    const token = this.csrf.generateCsrfToken(view as never, this.cookieWriter(response) as never);
    this.issued.set(http, token);
    return token;
  }

  /** Whether the request sends back (header or form field) the token of its cookie and session. */
  async verify(request: HttpRequestLike): Promise<boolean> {
    return this.csrf.validateRequest((await this.view(request, this.submitted(request))) as never);
  }

  /** The token the request sends: the header, or the form field of a parsed form or JSON body. */
  submitted(request: HttpRequestLike): string | undefined {
    const header = request.headers[this.options.headerName];
    if (typeof header === 'string') return header;
    // axios (bull-board's page) and Angular send an `XSRF-TOKEN` cookie's value back in this header.
    const xsrf = request.headers[XSRF_HEADER];
    if (typeof xsrf === 'string') return xsrf;
    const body = request.body;
    if (body && typeof body === 'object' && !Array.isArray(body)) {
      const field = (body as Record<string, unknown>)[this.options.fieldName];
      if (typeof field === 'string') return field;
    }
    return undefined;
  }

  /**
   * The user a request's access token authenticates (the guard's `request.user`, or checked
   * here when the global guard is off); `undefined` for none, an expired or a bad one.
   */
  async cookieUser(request: HttpRequestLike): Promise<AuthUser | undefined> {
    return (
      (request.user as AuthUser | undefined) ??
      (await this.authentication.authenticate(request).catch(() => undefined))
    );
  }

  /** The login session tokens are bound to: the access token's, or '' for visitors. */
  private async sessionOf(request: HttpRequestLike): Promise<string> {
    return (await this.cookieUser(request))?.sessionId ?? '';
  }

  private async view(
    request: HttpRequestLike,
    submitted: string | undefined,
  ): Promise<CsrfRequestView> {
    return { cookies: readCookies(request), sessionId: await this.sessionOf(request), submitted };
  }

  /** csrf-csrf calls `res.cookie()`; our cookie helper writes it on Express and Fastify. */
  private cookieWriter(response: unknown) {
    const { cookies, refreshTtlSeconds } = this.security;
    return {
      cookie: (name: string, value: string) =>
        appendSetCookie(
          response as HttpResponseLike,
          serializeCookie(name, value, {
            path: '/',
            httpOnly: true,
            secure: cookies.secure,
            sameSite: 'Strict',
            // __Host- cookies must not name a domain.
            domain: name.startsWith('__Host-') ? undefined : cookies.domain,
            maxAgeSeconds: refreshTtlSeconds,
          }),
        ),
    };
  }
}
