import type { DynamicModule, FactoryProvider, InjectionToken, Provider } from '@nestjs/common';
import type { z } from 'zod';
import { checkModuleOptions } from './module-options';

/**
 * Makes the options a module injects under `token` the checked ones: the value given to
 * `forRoot()`, and what `forRootAsync()`'s `useFactory`, `useClass` or `useExisting` produce,
 * all go through `checkModuleOptions(moduleName, schema, …)` when the app boots. Use it in the
 * `setExtras` transform of a `ConfigurableModuleBuilder` (see docs/decisions/0022-module-options.md).
 *
 * @example
 * .setExtras({ isGlobal: true }, (definition, extras) =>
 *   checkOptionsAtBoot({ ...definition, global: extras.isGlobal }, CACHE_MODULE_OPTIONS, 'CacheModule', cacheOptionsSchema))
 */
export function checkOptionsAtBoot(
  definition: DynamicModule,
  token: InjectionToken,
  moduleName: string,
  schema: z.ZodType,
): DynamicModule {
  return {
    ...definition,
    providers: (definition.providers ?? []).map((provider) =>
      isOptionsProvider(provider, token) ? checked(provider, moduleName, schema) : provider,
    ),
  };
}

function isOptionsProvider(provider: Provider, token: InjectionToken): boolean {
  return typeof provider === 'object' && 'provide' in provider && provider.provide === token;
}

function checked(provider: Provider, moduleName: string, schema: z.ZodType): FactoryProvider {
  const given = provider as { provide: InjectionToken } & Partial<FactoryProvider> & {
      useValue?: unknown;
    };
  if (given.useFactory) {
    const factory = given.useFactory;
    return {
      provide: given.provide,
      inject: given.inject ?? [],
      useFactory: async (...args: unknown[]) =>
        checkModuleOptions(moduleName, schema, await factory(...args)),
    };
  }
  return {
    provide: given.provide,
    useFactory: () => checkModuleOptions(moduleName, schema, given.useValue),
  };
}
