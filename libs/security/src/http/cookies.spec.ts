import { bearerToken, readCookies, serializeCookie } from './cookies';

describe('cookies', () => {
  it('reads the first cookie of each name, with or without quotes', () => {
    const request = { headers: { cookie: 'a=1; b="two"; a=3;broken; =x' } };
    expect({ ...readCookies(request) }).toEqual({ a: '1', b: 'two' });
  });

  it('writes the attributes in one place and refuses values that would inject attributes', () => {
    const attributes = {
      path: '/auth',
      maxAgeSeconds: 60,
      httpOnly: true,
      secure: true,
      sameSite: 'Strict' as const,
    };
    expect(serializeCookie('r', 'v.1-_', attributes)).toBe(
      'r=v.1-_; Path=/auth; Max-Age=60; HttpOnly; Secure; SameSite=Strict',
    );
    expect(() => serializeCookie('r', 'x; Domain=evil.example', attributes)).toThrow(TypeError);
    expect(() => serializeCookie('r x', 'v', attributes)).toThrow(TypeError);
    expect(serializeCookie('r', '', { ...attributes, maxAgeSeconds: 0 })).toContain(
      'Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
  });

  it('reads a bearer token only from a well-formed Authorization header', () => {
    expect(bearerToken({ headers: { authorization: 'Bearer abc.def.ghi' } })).toBe('abc.def.ghi');
    expect(bearerToken({ headers: { authorization: 'bearer  abc' } })).toBe('abc');
    expect(bearerToken({ headers: { authorization: 'Basic abc' } })).toBeUndefined();
    expect(bearerToken({ headers: { authorization: 'Bearer a b' } })).toBeUndefined();
    expect(bearerToken({ headers: {} })).toBeUndefined();
  });
});
