import { LatticeModule, LatticeError, ModuleOptionsError } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECURITY_MODULE_OPTIONS } from './security.constants';
import { securityConfigShape } from './security.config';
import type { SecurityModuleOptions } from './security.interfaces';
import { SecurityModule } from './security.module';
import type { SecurityOptionsFactory } from './security.module-definition';
import type { ResolvedSecurityOptions } from './security.options';

const SECRET = 'a-test-secret-of-more-than-thirty-two-bytes-0123456789';

async function boot(security: DynamicModule) {
  const database = `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-security-')), 'db.sqlite')}`;
  const moduleRef = await Test.createTestingModule({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', DATABASE_URL: database, JWT_SECRET: SECRET },
        envFile: false,
        bootReport: false,
        schema: securityConfigShape,
        app: { name: 'Options Test' },
      }),
      DatabaseModule.forRoot({ synchronize: true, logging: false }),
      security,
    ],
  }).compile();
  const resolved = moduleRef.get<ResolvedSecurityOptions>(SECURITY_MODULE_OPTIONS);
  await moduleRef.close();
  return resolved;
}

async function refusal(security: DynamicModule): Promise<LatticeError> {
  const error: unknown = await boot(security).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatticeError);
  return error as LatticeError;
}

let given: unknown = {};
@Injectable()
class SecurityOptions implements SecurityOptionsFactory {
  create(): SecurityModuleOptions {
    return given as SecurityModuleOptions;
  }
}
@Module({ providers: [SecurityOptions], exports: [SecurityOptions] })
class SecurityOptionsModule {}

describe('SecurityModule options', () => {
  it('resolves the checked options; the default audience is the app name from LatticeModule', async () => {
    const resolved = await boot(
      SecurityModule.forRoot({ routes: 'account', jwt: { issuer: 'me' } }),
    );
    expect(resolved.jwt).toMatchObject({ issuer: 'me', audience: 'options-test' });
    expect(resolved.routes).toBe('account');
  });

  it('refuses an unknown key with the closest known name', async () => {
    const error = await refusal(
      SecurityModule.forRoot({ gloablGuard: false } as SecurityModuleOptions),
    );
    expect(error).toBeInstanceOf(ModuleOptionsError);
    expect(error.message).toContain('gloablGuard: unknown option; did you mean "globalGuard"?');
    expect(
      (await refusal(SecurityModule.forRoot({ jwt: { isuser: 'x' } } as SecurityModuleOptions)))
        .message,
    ).toContain('jwt.isuser: unknown option; did you mean "issuer"?');
    expect(
      (
        await refusal(
          SecurityModule.forRoot({
            headers: { contentSecurityPolcy: false },
          } as SecurityModuleOptions),
        )
      ).message,
    ).toContain(
      'headers.contentSecurityPolcy: unknown option; did you mean "contentSecurityPolicy"?',
    );
  });

  it('refuses bad values with the allowed range and unknown stores with the list', async () => {
    const { message } = await refusal(
      SecurityModule.forRoot({
        jwt: { clockSkewSeconds: 900 },
        cookies: { sameSite: 'None' as 'Lax' },
        rateLimit: { store: 'memcached' as 'redis' },
      }),
    );
    expect(message).toContain('3 problems');
    expect(message).toMatch(/jwt\.clockSkewSeconds: Too big: expected number to be <=300; got 900/);
    expect(message).toContain('cookies.sameSite: must be one of "Strict", "Lax"; got "None".');
    expect(message).toContain(
      'rateLimit.store: must be one of "memory", "redis"; got "memcached".',
    );
  });

  it('checks the options of every async form', async () => {
    given = { globalGaurd: false };
    const forms = [
      SecurityModule.forRootAsync({ useFactory: () => given as SecurityModuleOptions }),
      SecurityModule.forRootAsync({ useClass: SecurityOptions }),
      SecurityModule.forRootAsync({
        imports: [SecurityOptionsModule],
        useExisting: SecurityOptions,
      }),
    ];
    for (const form of forms)
      expect((await refusal(form)).message).toContain(
        'globalGaurd: unknown option; did you mean "globalGuard"?',
      );
    given = { jwt: { issuer: 'vault' } };
    for (const form of forms) expect((await boot(form)).jwt.issuer).toBe('vault');
  });

  it('says that what shapes the module goes beside the factory, not in it', async () => {
    const error = await refusal(
      SecurityModule.forRootAsync({
        useFactory: () => ({ routes: false }) as SecurityModuleOptions,
      }),
    );
    expect(error.code).toBe('LATTICE_SECURITY_OPTION_IN_FACTORY');
    expect(error.message).toContain('"routes"');
    expect(
      await boot(SecurityModule.forRootAsync({ routes: false, useFactory: () => ({}) })),
    ).toMatchObject({ routes: false });
  });
});
