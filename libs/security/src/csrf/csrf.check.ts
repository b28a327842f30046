import { Inject, Injectable } from '@nestjs/common';
import { bearerToken, type HttpRequestLike } from '../http/cookies';
import type { CsrfRejectedError } from '../errors/csrf-rejected.error';
import { SecurityMessages } from '../security.messages';
import { CSRF_OPTIONS } from './csrf.constants';
import type { ResolvedCsrfOptions } from './csrf.options';
import { CsrfTokens } from './csrf-tokens';
import { checkOrigin } from './origin-check';

/** Set on a request the HTTP-layer check passed, so the guard does not check it twice. */
const CHECKED = Symbol.for('lattice:security:csrf-checked');

/**
 * The one CSRF rule, shared by the HTTP-layer hook (every route, bull-board's too) and the guard
 * (`@All()` handlers): the request must come from our own origin; when a valid access cookie
 * authenticates it, it must also send back the session's CSRF token. Requests with a bearer
 * token carry no ambient credentials and pass.
 */
@Injectable()
export class CsrfCheck {
  constructor(
    private readonly tokens: CsrfTokens,
    @Inject(CSRF_OPTIONS) private readonly options: ResolvedCsrfOptions,
  ) {}

  /** Why the request must be refused, or `null` when it may go on. */
  async refusal(request: HttpRequestLike): Promise<CsrfRejectedError | null> {
    // A browser never adds an Authorization header on its own, and a cross-origin script
    // cannot add one without CORS allowing it.
    if (bearerToken(request) !== undefined) return null;
    const refusal = checkOrigin(request, this.options.allowedOrigins);
    if (refusal) return SecurityMessages.csrfCrossOrigin(refusal.reason, refusal.value);
    // Without a valid access cookie the request acts as an anonymous visitor: nothing to forge.
    if (!(await this.tokens.cookieUser(request))) return null;
    if (this.tokens.submitted(request) === undefined)
      return SecurityMessages.csrfTokenMissing(this.options.headerName, this.options.fieldName);
    if (!(await this.tokens.verify(request))) return SecurityMessages.csrfTokenInvalid();
    return null;
  }

  /** Records that `request` (and its raw Node request, on Fastify) passed the check. */
  markChecked(request: object): void {
    (request as Record<symbol, boolean>)[CHECKED] = true;
    const raw = (request as { raw?: object }).raw;
    if (raw) (raw as Record<symbol, boolean>)[CHECKED] = true;
  }

  wasChecked(request: object): boolean {
    const raw = (request as { raw?: object }).raw;
    return Boolean(
      (request as Record<symbol, boolean>)[CHECKED] ||
      (raw && (raw as Record<symbol, boolean>)[CHECKED]),
    );
  }
}
