import { bootReportPart, maskUrlPassword } from '@lattice/core';
import {
  DynamicModule,
  Inject,
  Module,
  OnApplicationShutdown,
  type Provider,
} from '@nestjs/common';
import { AI_MODULE_OPTIONS, getAiToken } from './ai.constants';
import type { AiModuleOptions } from './ai.interfaces';
import {
  AI_ASYNC_OPTIONS_TYPE,
  AI_OPTIONS_TYPE,
  AiConfigurableModule,
} from './ai.module-definition';
import { AiBudgets } from './budgets/ai-budgets';
import { AiResponseCache } from './cache/ai-response-cache';
import { AIManager } from './manager/ai.manager';
import { AiPluginRunner } from './plugins/ai-plugin-runner';
import { AiProviders, DEFAULT_PROVIDERS } from './providers/ai-providers';
import { AiUsage } from './usage/ai-usage';

/** Closes the providers' connections when the app stops. */
class AiLifecycle implements OnApplicationShutdown {
  constructor(@Inject(AiProviders) private readonly providers: AiProviders) {}

  async onApplicationShutdown(): Promise<void> {
    await this.providers.close();
  }
}

/**
 * The AI hub: named providers (OpenAI-compatible servers through `openai`, the embedded offline
 * one by default) behind `AIManager`, with fallback chains, models and their prices, the
 * response cache, budgets, plugins and usage. Global unless `isGlobal: false`; options are
 * checked at boot (`aiOptionsSchema`).
 *
 * @example
 * @Module({ imports: [AiModule.forRoot({ providers: [
 *   { name: 'openai', type: 'openai', baseURL: process.env.AI_BASE_URL, apiKey: process.env.AI_API_KEY },
 *   { name: 'offline', type: 'offline' },
 * ] })] })
 * export class AppModule {}
 */
@Module({
  providers: [
    {
      provide: AiProviders,
      inject: [AI_MODULE_OPTIONS],
      useFactory: (options: AiModuleOptions) => AiProviders.fromOptions(options),
    },
    // Plain class providers: their branches replace the bodies and may add dependencies.
    AiResponseCache,
    AiBudgets,
    AiPluginRunner,
    AiUsage,
    AIManager,
    AiLifecycle,
    bootReportPart('ai', {
      inject: [AiProviders, AI_MODULE_OPTIONS],
      describe: describeProviders,
    }),
  ],
  exports: [AIManager, AiProviders, AiResponseCache, AiBudgets, AiPluginRunner, AiUsage],
})
export class AiModule extends AiConfigurableModule {
  /** The providers named in `options.providers` can be injected with `@InjectAi(name)`. */
  static forRoot(options: typeof AI_OPTIONS_TYPE = {}): DynamicModule {
    return withManagerTokens(
      super.forRoot(options),
      (options.providers ?? DEFAULT_PROVIDERS).map((provider) => provider.name),
    );
  }

  /**
   * Options from `useFactory`, `useClass` or `useExisting`. The provider names `@InjectAi(name)`
   * is used with must be known when the module is built: list them in `providerNames`.
   */
  static forRootAsync(options: typeof AI_ASYNC_OPTIONS_TYPE): DynamicModule {
    return withManagerTokens(super.forRootAsync(options), options.providerNames ?? []);
  }
}

/**
 * The boot report's line: the chain (what answers by default), then each provider and where it
 * is, e.g. `ai       openai  chain openai → offline; openai at http://127.0.0.1:11434/v1, offline`.
 */
export function describeProviders(
  providers: AiProviders,
  options: AiModuleOptions,
): { driver: string; detail: string } {
  const where = new Map(
    (options.providers ?? DEFAULT_PROVIDERS).map((given) => [
      given.name,
      given.type === 'openai'
        ? `${given.name} at ${given.baseURL ? maskUrlPassword(given.baseURL) : 'api.openai.com'}`
        : given.type === 'custom'
          ? `${given.name} (custom)`
          : given.name === 'offline'
            ? 'offline'
            : `${given.name} (offline)`,
    ]),
  );
  return {
    driver: providers.chain[0] ?? 'none',
    detail: `chain ${providers.chain.join(' → ')}; ${providers.names.map((name) => where.get(name)).join(', ')}`,
  };
}

/** `@InjectAi()`'s tokens: the manager, and one bound view per provider name. */
function withManagerTokens(definition: DynamicModule, names: string[]): DynamicModule {
  const views: Provider[] = [...new Set(names)].map((name) => ({
    provide: getAiToken(name),
    inject: [AIManager],
    useFactory: (manager: AIManager) => manager.using(name),
  }));
  const tokens = [getAiToken(), ...new Set(names)].map((name, i) =>
    i === 0 ? name : getAiToken(name),
  );
  return {
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      { provide: getAiToken(), useExisting: AIManager },
      ...views,
    ],
    exports: [...(definition.exports ?? []), ...tokens],
  };
}
