import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import type { AiCall, AiFlag, AiPluginHooks, AiStreamChunk, AIResponse } from '../ai.interfaces';
import { AiCallRefusedError } from './ai-call-refused.error';
import { getAiPluginDefinition } from './ai-plugin.decorator';
import { AiPluginsMessages } from './ai-plugins.messages';

/** A plugin found at boot, with its place in the order. */
export interface RegisteredAiPlugin {
  name: string;
  order: number;
  hooks: AiPluginHooks;
}

const HOOKS = ['beforeRequest', 'onChunk', 'afterResponse', 'onError'] as const;

/**
 * Runs the `@AiPlugin()` classes found at boot around every call, in ascending `order` (every
 * hook, after-hooks too). The manager calls `before` once a call is built, `chunk` for each
 * streamed chunk, then `after` with the response or `error` with what failed.
 *
 * A flag with severity `block` raised in `beforeRequest` refuses the call at once with
 * `AiCallRefusedError` (422, naming the plugin and the reason); raised in `afterResponse` it is
 * put on `response.flags`, and the caller decides what a blocked output means (the Forum holds
 * the post for moderators).
 */
@Injectable()
export class AiPluginRunner implements OnModuleInit {
  private readonly logger = new Logger('AI');
  private plugins: RegisteredAiPlugin[] = [];

  // ModulesContainer is global in every Nest app, so the runner finds plugins whether or not the
  // module that provides it imports DiscoveryModule.
  constructor(private readonly modules: ModulesContainer) {}

  onModuleInit(): void {
    this.plugins = this.discover();
    if (this.plugins.length > 0) {
      this.logger.log(
        `AI plugins, in order: ${this.plugins.map((p) => `${p.name} (${p.order})`).join(', ')}`,
      );
    }
  }

  /** The plugins in the order they run (for tests, the boot report and the guide's examples). */
  list(): readonly RegisteredAiPlugin[] {
    return this.plugins;
  }

  /**
   * Replaces the discovered plugins, sorted and checked as at boot. For a runner used outside a
   * Nest app (a unit test, a script); an app lists plugins in its providers instead.
   */
  use(plugins: Array<{ name?: string; order?: number; hooks: AiPluginHooks }>): void {
    this.plugins = sortPlugins(
      plugins.map(({ hooks, name, order }) => {
        const definition = getAiPluginDefinition(hooks.constructor);
        return {
          hooks,
          name: name ?? definition?.name ?? hooks.constructor.name,
          order: order ?? definition?.order ?? Number.NaN,
        };
      }),
    );
  }

  async before(call: AiCall): Promise<void> {
    for (const plugin of this.plugins) {
      if (!plugin.hooks.beforeRequest) continue;
      await plugin.hooks.beforeRequest(call);
      // Refused as soon as a block is raised: later plugins never see a call that will not run.
      const block = call.flags.find((flag) => flag.severity === 'block');
      if (block) throw new AiCallRefusedError(block);
    }
  }

  chunk(call: AiCall, chunk: AiStreamChunk): AiStreamChunk {
    let current = chunk;
    for (const plugin of this.plugins) {
      if (!plugin.hooks.onChunk) continue;
      current = plugin.hooks.onChunk(call, current) ?? current;
    }
    return current;
  }

  async after(call: AiCall, response: AIResponse): Promise<void> {
    copyFlags(call.flags, response);
    for (const plugin of this.plugins) {
      if (!plugin.hooks.afterResponse) continue;
      await plugin.hooks.afterResponse(call, response);
      // A plugin may push to either list; the response carries them all, once.
      copyFlags(call.flags, response);
    }
  }

  async error(call: AiCall, error: unknown): Promise<void> {
    for (const plugin of this.plugins) {
      if (!plugin.hooks.onError) continue;
      try {
        await plugin.hooks.onError(call, error);
      } catch (hookError) {
        // The caller gets the call's own error; a failing error hook must not replace it.
        this.logger.error(
          `AI plugin ${plugin.name} failed in onError: ${describe(hookError)} (call ${call.id})`,
        );
      }
    }
  }

  private discover(): RegisteredAiPlugin[] {
    const found = new Map<object, RegisteredAiPlugin>();
    for (const wrapper of new DiscoveryService(this.modules).getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      // The class of the instance, not the wrapper's metatype: a plugin provided through
      // useFactory or useValue (`PromptInjectionPlugin.configure(…)`) is found too.
      const type = (instance as object).constructor;
      const definition = getAiPluginDefinition(type);
      if (!definition) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(
          `AI plugin ${definition.name} is request-scoped; AI calls run outside requests too, so it is skipped. Make it a singleton.`,
        );
        continue;
      }
      const known = found.get(type);
      if (known) {
        if (known.hooks === instance) continue; // the same provider exported by another module
        throw AiPluginsMessages.providedTwice(definition.name);
      }
      found.set(type, { name: definition.name, order: definition.order, hooks: instance });
    }
    return sortPlugins([...found.values()]);
  }
}

function sortPlugins(plugins: RegisteredAiPlugin[]): RegisteredAiPlugin[] {
  for (const plugin of plugins) {
    if (!Number.isFinite(plugin.order))
      throw AiPluginsMessages.orderInvalid(plugin.name, plugin.order);
    if (!HOOKS.some((hook) => typeof plugin.hooks[hook] === 'function'))
      throw AiPluginsMessages.notAHook(plugin.name);
  }
  const sorted = [...plugins].sort((a, b) => a.order - b.order);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].order === sorted[i - 1].order)
      throw AiPluginsMessages.orderTie(sorted[i].order, sorted[i - 1].name, sorted[i].name);
  }
  return sorted;
}

function copyFlags(flags: readonly AiFlag[], response: AIResponse): void {
  for (const flag of flags) if (!response.flags.includes(flag)) response.flags.push(flag);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
