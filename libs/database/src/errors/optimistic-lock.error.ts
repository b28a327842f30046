import { ConflictException } from '@nestjs/common';

/** An update carried an expected version that is no longer current. 409 for HTTP clients. */
export class OptimisticLockError extends ConflictException {
  constructor(
    readonly entity: string,
    readonly id: unknown,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      `${entity} ${JSON.stringify(id)} is at version ${actualVersion}, not ${expectedVersion}: someone else changed it. Reload it and try again.`,
    );
    this.name = 'OptimisticLockError';
  }
}
