import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

/**
 * Whether a WebSocket upgrade may proceed: a browser always sends Origin, and only pages of an
 * allowed origin (by default, the host the socket is served from) may open one. Without this,
 * any site could open a socket with the visitor's cookies (cross-site WebSocket hijacking).
 *
 * By default the scheme counts too: when the socket is reached over TLS, or a proxy says so with
 * `X-Forwarded-Proto: https`, a page from `http://` on the same host is refused (a page an
 * attacker injected into plain HTTP must not use the visitor's session). The header is only ever
 * used to refuse, never to allow, so it needs no proxy trust setting: a client that forges it
 * only refuses itself. A plain connection without it takes both schemes, since TLS may end at a
 * proxy that does not say so.
 */
export function originAllowed(request: IncomingMessage, allowed?: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true; // not a browser; cookies are not sent for it by a third party
  if (allowed?.length) return allowed.includes(origin);
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // URL lower-cases the host; the Host header may come in any case.
  if (url.host !== request.headers.host?.toLowerCase()) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && !servedOverTls(request);
}

function servedOverTls(request: IncomingMessage): boolean {
  if ((request.socket as TLSSocket | undefined)?.encrypted) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0];
  return first?.trim().toLowerCase() === 'https';
}
