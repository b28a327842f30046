import { LatticeModule, ModuleOptionsError } from '@lattice/core';
import { SocketModule } from '@lattice/socket';
import { Injectable, Logger, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { LiveModule } from './live.module';
import type { LiveOptionsFactory } from './live.module-definition';
import type { z } from 'zod';
import {
  LIVE_MODULE_OPTIONS,
  liveConfigShape,
  liveModuleOptionsSchema,
  type LiveModuleOptions,
} from './live.options';
import { LiveRenderer } from './live.renderer';
import { SessionTokens } from './session/session-token';

const SECRET = 'a-unit-test-secret-that-is-long-enough-0123';

// The schema checks exactly the options the interface declares (a compile error otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesInterface: Same<
  z.input<typeof liveModuleOptionsSchema>,
  LiveModuleOptions
> = true;

async function compile(
  live: DynamicModule,
  env: Record<string, string> = {},
  extra: DynamicModule[] = [],
) {
  return Test.createTestingModule({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
        schema: liveConfigShape,
      }),
      SocketModule.forRoot(),
      ...extra,
      live,
    ],
  }).compile();
}

/** The error the module's options are refused with. */
async function refusal(live: DynamicModule, env: Record<string, string> = {}): Promise<Error> {
  try {
    await (await compile(live, env)).close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the module to be refused');
}

@Injectable()
class OptionsFromClass implements LiveOptionsFactory {
  create(): LiveModuleOptions {
    return { secret: SECRET, tokenTtlSeconds: 600 };
  }
}

@Module({ providers: [OptionsFromClass], exports: [OptionsFromClass] })
class OptionsSourceModule {}

describe('LiveModule', () => {
  it('has a schema for exactly the options it declares', () => {
    expect(schemaMatchesInterface).toBe(true);
  });

  it('forRoot checks the options and fills the defaults', async () => {
    const moduleRef = await compile(LiveModule.forRoot({ secret: SECRET }));
    expect(moduleRef.get(LIVE_MODULE_OPTIONS)).toEqual({
      secret: SECRET,
      tokenTtlSeconds: 12 * 3600,
      socketPath: '/socket',
      assetsPath: '/lattice',
    });
    expect(moduleRef.get(LiveRenderer)).toBeInstanceOf(LiveRenderer);
    await moduleRef.close();
  });

  it('forRootAsync takes the options from a factory with injected dependencies', async () => {
    const moduleRef = await compile(
      LiveModule.forRootAsync({
        imports: [OptionsSourceModule],
        inject: [OptionsFromClass],
        useFactory: async (source: OptionsFromClass) => ({
          ...source.create(),
          socketPath: '/ws',
        }),
      }),
    );
    expect(moduleRef.get(LIVE_MODULE_OPTIONS)).toMatchObject({
      tokenTtlSeconds: 600,
      socketPath: '/ws',
    });
    await moduleRef.close();
  });

  it('forRootAsync takes the options from a class (useClass)', async () => {
    const moduleRef = await compile(LiveModule.forRootAsync({ useClass: OptionsFromClass }));
    expect(moduleRef.get(LIVE_MODULE_OPTIONS)).toMatchObject({ tokenTtlSeconds: 600 });
    await moduleRef.close();
  });

  it('forRootAsync takes the options from an existing provider (useExisting)', async () => {
    const moduleRef = await compile(
      LiveModule.forRootAsync({ imports: [OptionsSourceModule], useExisting: OptionsFromClass }),
    );
    expect(moduleRef.get(LIVE_MODULE_OPTIONS)).toMatchObject({ tokenTtlSeconds: 600 });
    await moduleRef.close();
  });

  it('forRootAsync refuses what the factory returns when it is invalid', async () => {
    const error = await refusal(
      LiveModule.forRootAsync({ useFactory: () => ({ secret: SECRET, tokenTtlSeconds: 0 }) }),
    );
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain(
      'tokenTtlSeconds: Too small: expected number to be >=60; got 0',
    );
  });

  it('is global unless isGlobal: false', async () => {
    expect(LiveModule.forRoot({ secret: SECRET }).global).toBe(true);
    const local = LiveModule.forRoot({ secret: SECRET, isGlobal: false });
    expect(local.global).toBe(false);
    expect(LiveModule.forRootAsync({ useFactory: () => ({}), isGlobal: false }).global).toBe(false);
    // isGlobal is the module's, not an option the check sees.
    const moduleRef = await compile(local);
    expect(moduleRef.get(LIVE_MODULE_OPTIONS)).not.toHaveProperty('isGlobal');
    await moduleRef.close();
  });

  it('refuses a misspelt option with the closest known name', async () => {
    const error = await refusal(
      LiveModule.forRoot({ secret: SECRET, sockePath: '/ws' } as LiveModuleOptions),
    );
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain('LiveModule options are invalid (1 problem)');
    expect(error.message).toContain('sockePath: unknown option; did you mean "socketPath"?');
  });

  it('refuses bad values with the allowed range, every problem at once, without quoting the secret', async () => {
    const error = await refusal(
      LiveModule.forRoot({
        secret: 'short-secret',
        tokenTtlSeconds: 1e9,
        assetsPath: 'lattice',
      }),
    );
    expect(error.message).toContain('3 problems');
    expect(error.message).toContain('secret: must be at least 32 characters');
    expect(error.message).not.toContain('short-secret');
    expect(error.message).toContain('tokenTtlSeconds: Too big: expected number to be <=2592000');
    expect(error.message).toContain('assetsPath: must be a path starting with "/"');
  });

  describe('the session secret', () => {
    it('is LIVE_SECRET when forRoot() names none', async () => {
      const moduleRef = await compile(LiveModule.forRoot(), { LIVE_SECRET: SECRET });
      const other = new SessionTokens(SECRET, 60);
      // Signed with LIVE_SECRET: another signer with the same secret accepts the token.
      const { token } = moduleRef.get(SessionTokens).issue('counter', {});
      expect(other.verify(token).c).toBe('counter');
      await moduleRef.close();
    });

    it('is required with NODE_ENV=production', async () => {
      const error = await refusal(LiveModule.forRoot(), { NODE_ENV: 'production' });
      expect(error).toMatchObject({
        code: 'LATTICE_LIVE_SECRET_MISSING',
        message: expect.stringContaining('No live session secret is configured'),
        hint: expect.stringContaining('Set LIVE_SECRET'),
      });
    });

    it('is random per process in development, with a warning', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        const moduleRef = await compile(LiveModule.forRoot(), { NODE_ENV: 'development' });
        const { token } = moduleRef.get(SessionTokens).issue('counter', {});
        expect(moduleRef.get(SessionTokens).verify(token).c).toBe('counter');
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('No LIVE_SECRET set'));
        await moduleRef.close();
      } finally {
        warn.mockRestore();
      }
    });

    it('refuses a LIVE_SECRET shorter than 32 characters', async () => {
      await expect(compile(LiveModule.forRoot(), { LIVE_SECRET: 'short' })).rejects.toThrow(
        /LIVE_SECRET/,
      );
    });
  });
});
