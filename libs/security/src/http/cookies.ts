/** The parts of Express and Fastify requests and responses the security library touches. */
export interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
  body?: unknown;
  user?: unknown;
}

export interface HttpResponseLike {
  /** Express */
  append?(name: string, value: string): unknown;
  /** Fastify (appends for Set-Cookie) */
  header?(name: string, value: string): unknown;
}

export interface CookieAttributes {
  maxAgeSeconds: number;
  path: string;
  httpOnly: boolean;
  secure: boolean;
  sameSite: 'Strict' | 'Lax';
  domain?: string;
}

const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[!#-+\--:<-[\]-~]*$/;

/** The request's cookies (the first of each name wins, as browsers send the most specific first). */
export function readCookies(request: HttpRequestLike): Record<string, string> {
  const header = request.headers.cookie;
  const cookies: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of (Array.isArray(header) ? header.join(';') : (header ?? '')).split(';')) {
    const at = part.indexOf('=');
    const name = part.slice(0, Math.max(at, 0)).trim();
    if (!name) continue;
    let value = part.slice(at + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!(name in cookies)) cookies[name] = value;
  }
  return cookies;
}

export function serializeCookie(name: string, value: string, attributes: CookieAttributes): string {
  if (!COOKIE_NAME.test(name)) throw new TypeError(`Invalid cookie name: ${name}`);
  if (!COOKIE_VALUE.test(value)) throw new TypeError(`Invalid value for cookie ${name}`);
  const parts = [
    `${name}=${value}`,
    `Path=${attributes.path}`,
    `Max-Age=${attributes.maxAgeSeconds}`,
  ];
  if (attributes.maxAgeSeconds === 0) parts.push('Expires=Thu, 01 Jan 1970 00:00:00 GMT');
  if (attributes.domain) parts.push(`Domain=${attributes.domain}`);
  if (attributes.httpOnly) parts.push('HttpOnly');
  if (attributes.secure) parts.push('Secure');
  parts.push(`SameSite=${attributes.sameSite}`);
  return parts.join('; ');
}

/** Adds a Set-Cookie header on Express (`append`) or Fastify (`header`, which appends Set-Cookie). */
export function appendSetCookie(response: HttpResponseLike, cookie: string): void {
  if (typeof response.append === 'function') response.append('Set-Cookie', cookie);
  else if (typeof response.header === 'function') response.header('set-cookie', cookie);
  else throw new TypeError('Cannot set a cookie on this response: neither Express nor Fastify.');
}

/** The bearer token of the Authorization header, if any. */
export function bearerToken(request: HttpRequestLike): string | undefined {
  const header = request.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer[ ]+([^ ]+)[ ]*$/i.exec(value ?? '');
  return match?.[1];
}

export function clientIp(request: HttpRequestLike): string {
  return request.ip ?? request.socket?.remoteAddress ?? 'unknown';
}
