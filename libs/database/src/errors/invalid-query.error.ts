import { BadRequestException } from '@nestjs/common';

/** A list query parameter is wrong. A Nest `BadRequestException`: the client gets 400 and the message. */
export class InvalidQueryError extends BadRequestException {
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super({
      statusCode: 400,
      error: 'Bad Request',
      message: `Query parameter "${parameter}" ${problem}`,
      parameter,
    });
    this.name = 'InvalidQueryError';
  }
}
