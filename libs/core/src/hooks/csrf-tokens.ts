/**
 * The CSRF token hook: a CSRF protection provides it (@lattice/security does), page
 * renderers read it (@lattice/live's `@LivePage` writes `<meta name="csrf-token">`). It lives
 * in core so that neither library imports the other.
 */
export const CSRF_TOKENS = Symbol('lattice:csrf-tokens');

export interface CsrfTokenSource {
  /** The token for this request (Express or Fastify request and reply objects). */
  token(request: unknown, response: unknown): string | Promise<string>;
}
