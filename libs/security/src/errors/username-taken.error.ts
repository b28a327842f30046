import { ConflictException } from '@nestjs/common';

/** Registration with a username that already has an account: 409. */
export class UsernameTakenError extends ConflictException {
  readonly code = 'LATTICE_SECURITY_USERNAME_TAKEN';

  constructor(username: string) {
    super({
      statusCode: 409,
      error: 'Conflict',
      message: `The username "${username}" is taken. Choose another, or log in.`,
      code: 'LATTICE_SECURITY_USERNAME_TAKEN',
    });
    this.name = 'UsernameTakenError';
  }
}
