import { NotFoundException } from '@nestjs/common';

/**
 * A lookup by id found nothing. It is a Nest `NotFoundException`, so a controller that lets it
 * through answers 404 with the entity and the id in the message.
 */
export class EntityNotFoundError extends NotFoundException {
  constructor(
    readonly entity: string,
    readonly id: unknown,
  ) {
    super(`${entity} ${JSON.stringify(id)} was not found.`);
    this.name = 'EntityNotFoundError';
  }
}
