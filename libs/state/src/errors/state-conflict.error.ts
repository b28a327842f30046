import { ConflictException } from '@nestjs/common';

/**
 * The stream is no longer at the version a dispatch relied on, and its conflict strategy
 * did not resolve it. Nothing was appended. A Nest `ConflictException`: HTTP clients get 409.
 */
export class StateConflictError extends ConflictException {
  readonly code = 'LATTICE_STATE_CONFLICT';

  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
    attempts = 1,
  ) {
    super({
      statusCode: 409,
      error: 'Conflict',
      message:
        `Stream "${streamId}" is at version ${actualVersion}, not the expected ${expectedVersion}` +
        (attempts > 1 ? ` (gave up after ${attempts} attempts)` : '') +
        '. Nothing was appended: reload the state and try again.',
      streamId,
      expectedVersion,
      actualVersion,
    });
    this.name = 'StateConflictError';
  }
}
