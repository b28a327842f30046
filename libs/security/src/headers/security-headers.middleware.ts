import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import helmet, { contentSecurityPolicy } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { cspNonce, setCspNonce } from './csp-nonce';
import { SECURITY_HEADERS_OPTIONS } from './security-headers.constants';
import type { SecurityHeadersOptions } from './security-headers.interfaces';

type Next = (error?: unknown) => void;

/**
 * helmet on every request, on Express and Fastify alike (helmet only sets headers on the Node
 * response, which both share): a Content-Security-Policy whose `script-src` allows this site's
 * scripts and inline scripts carrying the request's nonce (`cspNonce(request)`), HSTS,
 * `X-Content-Type-Options: nosniff`, `base-uri 'none'`, `frame-ancestors 'none'` (and
 * `X-Frame-Options: DENY`), `Referrer-Policy: no-referrer` and the rest of helmet's defaults.
 */
@Injectable()
export class SecurityHeadersMiddleware implements NestMiddleware {
  private readonly helmet: ((req: IncomingMessage, res: ServerResponse, next: Next) => void) | null;

  constructor(@Inject(SECURITY_HEADERS_OPTIONS) options: SecurityHeadersOptions | false) {
    this.helmet = options === false ? null : helmet(withNonce(options));
  }

  use(request: IncomingMessage, response: ServerResponse, next: Next): void {
    if (!this.helmet) return next();
    setCspNonce(request, randomBytes(16).toString('base64'));
    this.helmet(request, response, next);
  }
}

/**
 * Stricter than helmet's defaults (`'self'` for both), as ASVS 3.4.3 and 3.4.6 ask: no `<base>`
 * element may move relative URLs (no page of ours uses one), and no site, ours included, may
 * frame a page. An app that frames its own pages gives `'frame-ancestors': ["'self'"]`.
 */
const STRICTER_DIRECTIVES: Record<string, string[]> = {
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
};

const camelCase = (name: string) =>
  name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase());

function withNonce(options: SecurityHeadersOptions): SecurityHeadersOptions {
  // X-Frame-Options for browsers without frame-ancestors, matching it unless set otherwise.
  if (!('frameguard' in options) && !('xFrameOptions' in options))
    options = { ...options, xFrameOptions: { action: 'deny' } } as SecurityHeadersOptions;
  if (options.contentSecurityPolicy === false) return options;
  const csp = options.contentSecurityPolicy === true ? {} : (options.contentSecurityPolicy ?? {});
  const directives = {
    ...(csp.useDefaults === false
      ? {}
      : { ...contentSecurityPolicy.getDefaultDirectives(), ...STRICTER_DIRECTIVES }),
    ...csp.directives,
  };
  // A directive given in camelCase replaces ours: helmet refuses the same directive twice.
  for (const name of Object.keys(STRICTER_DIRECTIVES))
    if (csp.directives?.[camelCase(name)] !== undefined) delete directives[name];
  const given = directives['script-src'] ?? directives.scriptSrc;
  const scriptSrc = given && typeof given !== 'symbol' ? [...given] : ["'self'"];
  delete directives.scriptSrc;
  directives['script-src'] = [
    ...scriptSrc,
    (request: IncomingMessage) => `'nonce-${cspNonce(request)}'`,
  ];
  return { ...options, contentSecurityPolicy: { ...csp, useDefaults: false, directives } };
}
