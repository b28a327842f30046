import type { HttpRequestLike } from '../http/cookies';

/** Why a request was refused as cross-origin, or `null` when it may go on to the token check. */
export type CrossOriginRefusal =
  { reason: 'sec-fetch-site'; value: string } | { reason: 'origin'; value: string };

/**
 * The browser's own account of where a request comes from, as Go's CrossOriginProtection reads
 * it: `Sec-Fetch-Site: same-origin` (or `none`, typed by the user) passes; any other value passes
 * only for an allowed `Origin`. Without `Sec-Fetch-Site` (older browsers) the `Origin` must
 * be the request's own host or an allowed origin. A request with neither header is not from a
 * browser that could be tricked into sending it: it passes here and meets the token check.
 */
export function checkOrigin(
  request: HttpRequestLike,
  allowedOrigins: readonly string[],
): CrossOriginRefusal | null {
  const site = header(request, 'sec-fetch-site');
  const origin = header(request, 'origin');
  if (site === 'same-origin' || site === 'none') return null;
  if (origin !== undefined && allowedOrigins.includes(origin)) return null;
  if (site !== undefined) return { reason: 'sec-fetch-site', value: site };
  if (origin === undefined) return null;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { reason: 'origin', value: origin }; // "null" (sandboxed frames, data: URLs) and garbage
  }
  return url.host === authority(request, url.protocol) ? null : { reason: 'origin', value: origin };
}

/** The Host header lower-cased, without the scheme's default port (as `URL.host` writes it). */
function authority(request: HttpRequestLike, protocol: string): string | undefined {
  const host = header(request, 'host')?.toLowerCase();
  const port = protocol === 'https:' ? ':443' : protocol === 'http:' ? ':80' : undefined;
  return port && host?.endsWith(port) ? host.slice(0, -port.length) : host;
}

function header(request: HttpRequestLike, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
