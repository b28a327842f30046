import { z } from 'zod';
import { checkModuleOptions } from './module-options';
import { ModuleOptionsError } from './module-options.error';

const schema = z.strictObject({
  drivers: z
    .strictObject({
      cache: z.enum(['memory', 'redis']).optional(),
      queue: z.enum(['memory', 'redis']).optional(),
    })
    .optional(),
  ttl: z.number().int().min(0).default(60),
  headers: z.union([z.literal(false), z.strictObject({ csp: z.boolean().optional() })]).optional(),
  stores: z
    .array(z.strictObject({ name: z.string(), ttl: z.number().min(0).optional() }))
    .optional(),
});

function problemsOf(options: unknown): string {
  try {
    checkModuleOptions('CacheModule', schema, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ModuleOptionsError);
    return (error as ModuleOptionsError).message;
  }
  throw new Error('expected the options to be refused');
}

describe('checkModuleOptions', () => {
  it('returns the parsed options with defaults applied', () => {
    expect(checkModuleOptions('CacheModule', schema, { drivers: { cache: 'redis' } })).toEqual({
      drivers: { cache: 'redis' },
      ttl: 60,
    });
    expect(checkModuleOptions('CacheModule', schema, undefined)).toEqual({ ttl: 60 });
  });

  it('refuses a misspelt nested key with the closest known name', () => {
    const message = problemsOf({ drivers: { cahce: 'memory' } });
    expect(message).toContain('drivers.cahce: unknown option; did you mean "cache"?');
    expect(message).toContain('Known: cache, queue.');
  });

  it('refuses a bad value with the allowed range', () => {
    expect(problemsOf({ ttl: -5 })).toMatch(/ttl: Too small: expected number to be >=0; got -5/);
  });

  it('names the allowed values of an enum', () => {
    expect(problemsOf({ drivers: { queue: 'rabbit' } })).toContain(
      'drivers.queue: must be one of "memory", "redis"; got "rabbit".',
    );
  });

  it('finds the closest name inside an object that may also be false', () => {
    expect(problemsOf({ headers: { cps: true } })).toContain(
      'headers.cps: unknown option; did you mean "csp"?',
    );
  });

  it('lists every problem at once, with array positions', () => {
    const message = problemsOf({ ttl: 'x', stores: [{ name: 'a' }, { name: 'b', ttll: 3 }] });
    expect(message).toContain('2 problems');
    expect(message).toContain('ttl: expected number, got string.');
    expect(message).toContain('stores[1].ttll: unknown option; did you mean "ttl"?');
  });
});
