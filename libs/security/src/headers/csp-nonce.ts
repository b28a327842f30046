const NONCE = Symbol.for('lattice:security:csp-nonce');

type Carrier = { [NONCE]?: string; raw?: { [NONCE]?: string } };

export function setCspNonce(rawRequest: object, nonce: string): void {
  (rawRequest as Carrier)[NONCE] = nonce;
}

/**
 * This request's Content-Security-Policy nonce (Express request, Fastify request or the raw
 * Node request), for an inline `<script nonce="…">` the page needs; `undefined` when the
 * security headers are off.
 */
export function cspNonce(request: unknown): string | undefined {
  const carrier = request as Carrier | undefined;
  return carrier?.[NONCE] ?? carrier?.raw?.[NONCE];
}
