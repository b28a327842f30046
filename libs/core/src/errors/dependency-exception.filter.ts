import { ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { DependencyErrors } from './dependency-errors';
import { ServiceUnavailableError } from './service-unavailable.error';

/**
 * Server faults that are nobody's bug become answers a client can act on: a service that is down
 * → 503 with `Retry-After` and a message naming it; a lost race → 409. Neither is logged per
 * request (the outage is logged once when it starts and ends). Every other error goes to Nest's
 * own handling. Registered globally by `LatticeModule`.
 */
@Catch()
export class DependencyExceptionFilter extends BaseExceptionFilter {
  constructor(
    private readonly errors: DependencyErrors,
    adapterHost: HttpAdapterHost,
  ) {
    super(adapterHost.httpAdapter);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    // Only HTTP gets here (Nest gives global filters to HTTP routes only), but stay on the safe side.
    if (host.getType() !== 'http') return super.catch(exception, host);
    const adapter = this.applicationRef!;
    const response = host.switchToHttp().getResponse<unknown>();
    const failure = this.errors.classify(exception);
    if (!failure) {
      // A 503 thrown by hand (a health check, a paused login) gets the header too.
      if (exception instanceof HttpException && exception.getStatus() === 503)
        adapter.setHeader(response, 'Retry-After', '1');
      return super.catch(exception, host);
    }
    const unavailable = failure instanceof ServiceUnavailableError;
    const status = unavailable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.CONFLICT;
    if (unavailable) adapter.setHeader(response, 'Retry-After', String(failure.retryAfterSeconds));
    adapter.reply(
      response,
      {
        statusCode: status,
        error: unavailable ? 'Service Unavailable' : 'Conflict',
        code: failure.code,
        message: failure.message,
      },
      status,
    );
  }
}
