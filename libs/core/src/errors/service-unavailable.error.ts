import { LatticeError } from './lattice.error';

/**
 * A service the request needs (Redis, the database, …) is unreachable, too slow or saturated.
 * The error filter core registers answers it with 503, `Retry-After` and the message, and does
 * not log it per request (the connection logs the outage once, when it starts and ends).
 *
 * @example
 * throw new ServiceUnavailableError('Redis', 'connection refused');
 * // → 503 "Redis is unreachable (connection refused): try again shortly."
 */
export class ServiceUnavailableError extends LatticeError {
  constructor(
    /** The service as a person names it: "Redis", "The database". */
    readonly service: string,
    /** What happened, short: "connection refused", "no answer within 1000 ms". */
    readonly reason: string,
    /** Seconds the client should wait before trying again (the `Retry-After` header). */
    readonly retryAfterSeconds = 1,
    options?: { cause?: unknown },
  ) {
    super(
      'LATTICE_SERVICE_UNAVAILABLE',
      `${service} is unreachable (${reason}): try again shortly.`,
      `Check that ${service} is running and reachable from this server; requests succeed again as soon as it answers.`,
      options,
    );
  }
}

/**
 * A write lost a race with another one (a unique value taken meanwhile, a deadlock that
 * persisted): answered with 409 and the message. Retrying the same request may succeed or may
 * need other input.
 */
export class ConflictError extends LatticeError {
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super('LATTICE_CONFLICT', message, hint, options);
  }
}
