import { ForbiddenException } from '@nestjs/common';

/**
 * A state-changing request failed the CSRF check (a cross-site origin, or no valid token for the
 * session): 403 with code `LATTICE_SECURITY_CSRF`. The handler did not run.
 */
export class CsrfRejectedError extends ForbiddenException {
  readonly code = 'LATTICE_SECURITY_CSRF';

  constructor(message: string) {
    super({ statusCode: 403, error: 'Forbidden', message, code: 'LATTICE_SECURITY_CSRF' });
    this.name = 'CsrfRejectedError';
  }
}
