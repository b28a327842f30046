import { Injectable, SetMetadata, applyDecorators, type Type } from '@nestjs/common';
import { INJECTABLE_WATERMARK } from '@nestjs/common/constants';
import { AI_PLUGIN_METADATA } from '../ai.constants';

/** `@AiPlugin()` options. */
export interface AiPluginOptions {
  /**
   * Where the plugin runs among the others: ascending, for every hook (a redactor at 10 runs
   * before an injection detector at 20, so the detector sees masked text). Two plugins may not
   * share an order: the app refuses to boot, so that the order is never left to chance.
   */
  order: number;
  /** The name flags and errors carry; the class name by default. */
  name?: string;
}

/** What `@AiPlugin()` stores on the class. */
export interface AiPluginDefinition {
  order: number;
  name: string;
}

/**
 * Marks a class whose hooks (`AiPluginHooks`: `beforeRequest`, `onChunk`, `afterResponse`,
 * `onError`) wrap every call of the AI manager. The class becomes injectable; list it in the
 * providers of any module of the app, and it is found at boot.
 *
 * @example
 * @AiPlugin({ order: 50 })
 * export class NoShoutingPlugin implements AiPluginHooks {
 *   beforeRequest(call: AiCall) {
 *     if (JSON.stringify(call.request).includes('!!!'))
 *       call.flags.push({ plugin: 'NoShoutingPlugin', reason: 'shouting', severity: 'warn' });
 *   }
 * }
 */
export function AiPlugin(options: AiPluginOptions): ClassDecorator {
  return (target) => {
    const definition: AiPluginDefinition = {
      order: options.order,
      name: options.name ?? target.name,
    };
    // Keeps the scope of an @Injectable({ scope }) applied first (the runner warns about it).
    if (Reflect.hasOwnMetadata(INJECTABLE_WATERMARK, target))
      SetMetadata(AI_PLUGIN_METADATA, definition)(target);
    else applyDecorators(Injectable(), SetMetadata(AI_PLUGIN_METADATA, definition))(target);
  };
}

/** The `@AiPlugin()` definition of a class, or undefined when it has none. */
export function getAiPluginDefinition(type: Type | object): AiPluginDefinition | undefined {
  return Reflect.getMetadata(AI_PLUGIN_METADATA, type) as AiPluginDefinition | undefined;
}
