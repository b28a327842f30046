import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Too many failed logins for an account or from one address: 429 with `retryAfterSeconds`
 * (the login route also sends it as `Retry-After`). The password was not checked.
 */
export class LoginLockedError extends HttpException {
  readonly code = 'LATTICE_SECURITY_LOGIN_LOCKED';

  constructor(
    readonly scope: 'account' | 'ip',
    readonly retryAfterSeconds: number,
  ) {
    super(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        message:
          `Too many failed logins ${scope === 'account' ? 'for this account' : 'from this address'}. ` +
          `Try again in ${retryAfterSeconds} s, or reset the password.`,
        code: 'LATTICE_SECURITY_LOGIN_LOCKED',
        retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
    this.name = 'LoginLockedError';
  }
}
