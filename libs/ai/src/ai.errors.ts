import { LatticeError } from '@lattice/core';

/**
 * Why a provider's attempt failed, which decides what the manager does next:
 * `timeout`, `rate_limit`, `server` and `network` are retried (with backoff) and then fall back
 * to the next provider of the chain; `client` (a bad request, a wrong key) and `invalid_output`
 * are not: another provider would be given the same request.
 */
export type AiProviderErrorKind =
  'timeout' | 'rate_limit' | 'server' | 'network' | 'client' | 'invalid_output';

/** A provider's failure, as every provider reports it (see `AiProvider`). */
export class AiProviderError extends LatticeError {
  constructor(
    /** The provider's name. */
    readonly provider: string,
    readonly kind: AiProviderErrorKind,
    message: string,
    readonly details: {
      /** The HTTP status the provider answered, when it answered. */
      status?: number;
      /** How long the provider asked us to wait (`retry-after`), in ms. */
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(
      `LATTICE_AI_PROVIDER_${kind.toUpperCase()}`,
      `The AI provider "${provider}" failed (${kind}${details.status ? ` ${details.status}` : ''}): ${message}`,
      kind === 'client'
        ? 'Check the request (model name, parameters) and the provider key; another provider would get the same request.'
        : 'The manager retries and falls back on this kind of failure; configure another provider in the chain to ride it out.',
      { cause: details.cause },
    );
  }

  get status(): number | undefined {
    return this.details.status;
  }

  get retryAfterMs(): number | undefined {
    return this.details.retryAfterMs;
  }

  /** Worth another attempt, on this provider or the next one. */
  get retryable(): boolean {
    return (
      this.kind === 'timeout' ||
      this.kind === 'rate_limit' ||
      this.kind === 'server' ||
      this.kind === 'network'
    );
  }
}
