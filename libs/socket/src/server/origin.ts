import type { IncomingMessage } from 'node:http';

/**
 * Whether a WebSocket upgrade may proceed: a browser always sends Origin, and only pages of an
 * allowed origin (by default, the host the socket is served from) may open one. Without this,
 * any site could open a socket with the visitor's cookies (cross-site WebSocket hijacking).
 */
export function originAllowed(request: IncomingMessage, allowed?: string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true; // not a browser; cookies are not sent for it by a third party
  if (allowed?.length) return allowed.includes(origin);
  try {
    // URL lower-cases the host; the Host header may come in any case.
    return new URL(origin).host === request.headers.host?.toLowerCase();
  } catch {
    return false;
  }
}
