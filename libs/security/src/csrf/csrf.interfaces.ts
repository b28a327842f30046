/** `SecurityModule.forRoot({ csrf })`: how state-changing browser requests prove they come from our pages. */
export interface CsrfOptions {
  /**
   * The double-submit cookie holding the token (default `__Host-lattice_csrf` with Secure cookies
   * and no cookie domain, `lattice_csrf` otherwise). HttpOnly, SameSite=Strict, Path=/.
   */
  cookieName?: string;
  /** The request header scripts send the token in (default `x-csrf-token`). */
  headerName?: string;
  /** The form field HTML forms send the token in (default `_csrf`). */
  fieldName?: string;
  /**
   * Origins besides the request's own host that may send state-changing requests, e.g.
   * `['https://admin.example.com']`. Compared exactly (scheme, host and port).
   */
  allowedOrigins?: string[];
  /**
   * HMAC secret for the tokens, 32 bytes or more, the same on every node. Default: derived with
   * HKDF from the JWT signing key.
   */
  secret?: string;
}
