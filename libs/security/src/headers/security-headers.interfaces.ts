import type { HelmetOptions } from 'helmet';

/**
 * `SecurityModule.forRoot({ headers })`: helmet's options. Lattice's Content-Security-Policy
 * starts from helmet's defaults and adds a per-request nonce to `script-src`; directives given
 * here replace the default of the same name (the nonce is still added to `script-src`).
 * `contentSecurityPolicy: false` sends no CSP; `headers: false` sends none of the headers.
 */
export type SecurityHeadersOptions = HelmetOptions;
