import type { ResolvedSecurityOptions } from '../security.options';
import { resolveCsrfOptions } from './csrf.options';

const security = (cookies: Partial<ResolvedSecurityOptions['cookies']> = {}) =>
  ({
    jwt: { signingKey: 'a-test-secret-of-more-than-thirty-two-bytes' },
    cookies: { secure: true, ...cookies },
  }) as unknown as ResolvedSecurityOptions;

describe('resolveCsrfOptions', () => {
  it('is on by default, with a __Host- cookie and a secret derived from the JWT key', () => {
    const options = resolveCsrfOptions({}, security());
    expect(options).toMatchObject({
      enabled: true,
      cookieName: '__Host-lattice_csrf',
      headerName: 'x-csrf-token',
      fieldName: '_csrf',
      allowedOrigins: [],
    });
    expect(Buffer.from(options.secret, 'base64')).toHaveLength(32);
    expect(options.secret).not.toContain('a-test-secret');
    expect(resolveCsrfOptions({}, security()).secret).toBe(options.secret); // same on every node
  });

  it('drops the __Host- prefix where browsers would refuse it, and turns off with false', () => {
    expect(resolveCsrfOptions({}, security({ secure: false })).cookieName).toBe('lattice_csrf');
    expect(resolveCsrfOptions({}, security({ domain: 'example.com' })).cookieName).toBe(
      'lattice_csrf',
    );
    expect(resolveCsrfOptions({ csrf: false }, security()).enabled).toBe(false);
  });

  it('normalises allowed origins and refuses what is not an origin', () => {
    expect(
      resolveCsrfOptions({ csrf: { allowedOrigins: ['https://admin.example/'] } }, security())
        .allowedOrigins,
    ).toEqual(['https://admin.example']);
    for (const origin of ['admin.example', 'https://admin.example/path', '*'])
      expect(() => resolveCsrfOptions({ csrf: { allowedOrigins: [origin] } }, security())).toThrow(
        expect.objectContaining({ code: 'LATTICE_SECURITY_CSRF_ORIGIN_INVALID' }),
      );
  });

  it('refuses a short secret', () => {
    expect(() => resolveCsrfOptions({ csrf: { secret: 'short' } }, security())).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_CSRF_SECRET_TOO_SHORT' }),
    );
  });
});
