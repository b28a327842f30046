import { BadRequestException } from '@nestjs/common';
import { z } from 'zod';
import { ZodPipe } from './zod-body.pipe';

describe('ZodPipe', () => {
  const pipe = new ZodPipe(z.object({ name: z.string().min(1), age: z.number().int().optional() }));

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: 'Ada', extra: true })).toEqual({ name: 'Ada' });
  });

  it('answers 400 listing every problem by field', () => {
    let caught: unknown;
    try {
      pipe.transform({ name: '', age: 1.5 });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BadRequestException);
    const body = (caught as BadRequestException).getResponse() as { message: string[] };
    expect(body.message).toHaveLength(2);
    expect(body.message[0]).toMatch(/^name: /);
    expect(body.message[1]).toMatch(/^age: /);
  });

  it('treats a missing body as an empty object', () => {
    expect(() => pipe.transform(undefined)).toThrow(BadRequestException);
  });
});
