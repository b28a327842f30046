import { BadRequestException, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/**
 * Validates a request body (or any argument) against a zod schema. A failure is a 400 that
 * lists every problem by field, e.g. `body: Too small: expected string to have >=1 characters`.
 *
 * @example
 * @Post() create(@Body(new ZodPipe(answerInput)) input: z.output<typeof answerInput>) { … }
 */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    const problems = result.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`,
    );
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
  }
}
