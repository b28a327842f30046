import { ForbiddenException } from '@nestjs/common';

/**
 * The user is known but may not do this: a missing role or permission, or a resource that is
 * not theirs. A Nest `ForbiddenException`: HTTP clients get 403 and a stable `code`.
 */
export class AccessDeniedError extends ForbiddenException {
  readonly code = 'LATTICE_SECURITY_FORBIDDEN';

  constructor(message: string) {
    super({ statusCode: 403, error: 'Forbidden', message, code: 'LATTICE_SECURITY_FORBIDDEN' });
    this.name = 'AccessDeniedError';
  }
}
