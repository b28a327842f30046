import type { IncomingMessage, ServerResponse } from 'node:http';
import { SecurityHeadersMiddleware } from './security-headers.middleware';
import type { SecurityHeadersOptions } from './security-headers.interfaces';

/** The headers the middleware sets on one request, lower-cased. */
function headersWith(options: SecurityHeadersOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  } as unknown as ServerResponse;
  new SecurityHeadersMiddleware(options).use({} as IncomingMessage, response, () => undefined);
  return headers;
}

describe('SecurityHeadersMiddleware', () => {
  it("forbids <base> and every framing by default: base-uri 'none', frame-ancestors 'none', X-Frame-Options DENY", () => {
    const headers = headersWith({});
    expect(headers['content-security-policy']).toContain("base-uri 'none'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it.each([
    ['dashed', { 'frame-ancestors': ["'self'"], 'base-uri': ["'self'"] }],
    ['camelCase', { frameAncestors: ["'self'"], baseUri: ["'self'"] }],
  ])('lets an app give its own directives, %s', (_, directives) => {
    const csp = headersWith({ contentSecurityPolicy: { directives } })['content-security-policy'];
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain("base-uri 'self'");
    expect(csp).not.toMatch(/(frame-ancestors|base-uri) 'none'/);
  });

  it('keeps X-Frame-Options as the app sets it', () => {
    expect(headersWith({ xFrameOptions: { action: 'sameorigin' } })['x-frame-options']).toBe(
      'SAMEORIGIN',
    );
    expect(headersWith({ frameguard: false })['x-frame-options']).toBeUndefined();
  });
});
