import { LatticeConfig, LatticeDrivers, LatticeError, loadLatticeConfig } from '@lattice/core';
import { securityConfigShape } from './security.config';
import type { SecurityModuleOptions } from './security.interfaces';
import { resolveSecurityOptions } from './security.options';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';

function resolve(env: Record<string, string>, options: SecurityModuleOptions) {
  const config = loadLatticeConfig({
    env,
    envFile: false,
    schema: securityConfigShape,
  }) as LatticeConfig;
  return resolveSecurityOptions(options, config, new LatticeDrivers(config));
}

describe('resolveSecurityOptions', () => {
  it('names cookies with the strictest prefix their attributes allow', () => {
    const names = (cookies: SecurityModuleOptions['cookies']) => {
      const { accessName, refreshName } = resolve({ JWT_SECRET: SECRET }, { cookies }).cookies;
      return [accessName, refreshName];
    };
    expect(names({ domain: 'example.com' })).toEqual([
      '__Secure-lattice_access',
      '__Secure-lattice_refresh',
    ]);
    expect(names({ secure: false })).toEqual(['lattice_access', 'lattice_refresh']);
    expect(names({ accessName: 'sid', refreshName: 'rt' })).toEqual(['sid', 'rt']);
  });

  it.each([
    ['__Host- with a domain', { accessName: '__Host-a', domain: 'example.com' }],
    ['__Host- without Secure', { accessName: '__Host-a', secure: false }],
    ['__Secure- without Secure', { refreshName: '__Secure-r', secure: false }],
    ['__Host- on the refresh cookie (Path=/auth)', { refreshName: '__Host-r' }],
  ])('refuses a cookie prefix browsers would drop: %s', (_, cookies) => {
    expect(() => resolve({ JWT_SECRET: SECRET }, { cookies })).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_COOKIE_PREFIX' }),
    );
  });

  it('takes the default audience from the app name', () => {
    const config = loadLatticeConfig({
      env: { JWT_SECRET: SECRET },
      envFile: false,
      schema: securityConfigShape,
    }) as LatticeConfig;
    const drivers = new LatticeDrivers(config);
    expect(resolveSecurityOptions({}, config, drivers, 'Lattice Forum').jwt.audience).toBe(
      'lattice-forum',
    );
    expect(
      resolveSecurityOptions({ jwt: { audience: 'api' } }, config, drivers, 'Forum').jwt.audience,
    ).toBe('api');
    expect(resolveSecurityOptions({}, config, drivers, '  !! ').jwt.audience).toBe('lattice');
  });

  it('takes the secret from JWT_SECRET and fills the defaults', () => {
    const resolved = resolve({ JWT_SECRET: SECRET }, {});
    expect(resolved.jwt).toMatchObject({
      algorithm: 'HS256',
      signingKey: SECRET,
      verifyingKey: SECRET,
      accessTtlSeconds: 600,
      clockSkewSeconds: 30,
    });
    expect(resolved.loginThrottle).toMatchObject({ store: 'memory', maxAttemptsPerAccount: 5 });
    expect(resolved.cookies).toMatchObject({
      accessName: '__Host-lattice_access',
      refreshName: '__Secure-lattice_refresh',
      secure: true,
      sameSite: 'Lax',
    });
    expect(resolved.jwt.audience).toBe('lattice');
    expect(resolved.sessionLifetimeSeconds).toBe(30 * 24 * 3600);
  });

  it('counts login failures in Redis when REDIS_URL is set', () => {
    expect(
      resolve({ JWT_SECRET: SECRET, REDIS_URL: 'redis://127.0.0.1:6379' }, {}).loginThrottle.store,
    ).toBe('redis');
  });

  it('reads ENCRYPTION_KEYS newest first, and refuses a malformed list at boot', () => {
    const a = Buffer.alloc(32, 1).toString('base64');
    const b = Buffer.alloc(32, 2).toString('base64');
    expect(
      resolve({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: `k2:${a},k1:${b}` }, {}).encryption.keys,
    ).toEqual([
      { id: 'k2', key: a },
      { id: 'k1', key: b },
    ]);
    expect(() => resolve({ JWT_SECRET: SECRET, ENCRYPTION_KEYS: 'k1:short' }, {})).toThrow(
      /ENCRYPTION_KEYS/,
    );
  });

  it.each([
    ['no secret', {}, {}, 'LATTICE_SECURITY_SECRET_MISSING'],
    ['a short secret', {}, { jwt: { secret: 'short' } }, 'LATTICE_SECURITY_SECRET_TOO_SHORT'],
    [
      'RS256 without keys',
      { JWT_SECRET: SECRET },
      { jwt: { algorithm: 'RS256' as const } },
      'LATTICE_SECURITY_KEYS_MISSING',
    ],
    [
      'alg none',
      { JWT_SECRET: SECRET },
      { jwt: { algorithm: 'none' as never } },
      'LATTICE_SECURITY_ALGORITHM_UNSUPPORTED',
    ],
    [
      'a clock skew of an hour',
      { JWT_SECRET: SECRET },
      { jwt: { clockSkewSeconds: 3600 } },
      'LATTICE_SECURITY_CLOCK_SKEW',
    ],
  ])('refuses %s', (_name, env: Record<string, string>, options: SecurityModuleOptions, code) => {
    let error: unknown;
    try {
      resolve(env, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LatticeError);
    expect((error as LatticeError).code).toBe(code);
  });
});
