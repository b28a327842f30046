import { UnauthorizedException } from '@nestjs/common';

/**
 * A request could not be authenticated: no token, a token that failed verification, wrong
 * credentials, a refresh token that was reused or revoked. A Nest `UnauthorizedException`:
 * HTTP clients get 401, the message and a stable `code`. The message never says which check
 * of a token failed beyond "expired", so it cannot guide an attacker.
 */
export class AuthenticationError extends UnauthorizedException {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super({ statusCode: 401, error: 'Unauthorized', message, code });
    this.name = 'AuthenticationError';
  }
}
