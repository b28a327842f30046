import { BadRequestException } from '@nestjs/common';

/**
 * A dispatch or read was refused before anything was stored: an unknown stream or event type,
 * a payload that fails its schema, an impossible version. A Nest `BadRequestException`: HTTP
 * clients get 400 and the message.
 */
export class InvalidStateInputError extends BadRequestException {
  constructor(
    readonly code: string,
    message: string,
    readonly problems: string[] = [],
  ) {
    super({ statusCode: 400, error: 'Bad Request', message, problems, code });
    this.name = 'InvalidStateInputError';
  }
}
