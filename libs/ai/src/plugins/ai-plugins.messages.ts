import { LatticeError } from '@lattice/core';

/** Every error the plugin runner raises on purpose: the thing, the cause, the fix. */
export const AiPluginsMessages = {
  orderTie: (order: number, first: string, second: string) =>
    new LatticeError(
      'LATTICE_AI_PLUGIN_ORDER_TIE',
      `AI plugins ${first} and ${second} both have order ${order}, so which runs first would be left to chance.`,
      `Give one of them another order, @AiPlugin({ order: ${order + 1} }) (lower runs first); to move a shipped plugin, subclass it: @AiPlugin({ order: 15 }) class MyRedaction extends PiiRedactionPlugin {}.`,
    ),
  orderInvalid: (name: string, order: unknown) =>
    new LatticeError(
      'LATTICE_AI_PLUGIN_ORDER_INVALID',
      `AI plugin ${name} has order ${String(order)}, which is not a finite number.`,
      'Pass a number: @AiPlugin({ order: 10 }).',
    ),
  providedTwice: (name: string) =>
    new LatticeError(
      'LATTICE_AI_PLUGIN_PROVIDED_TWICE',
      `AI plugin ${name} is provided by two modules, so each call would run it twice.`,
      `List ${name} in the providers of one module only (the app's root module is a good place).`,
    ),
  notAHook: (name: string) =>
    new LatticeError(
      'LATTICE_AI_PLUGIN_NO_HOOKS',
      `AI plugin ${name} has none of the hooks beforeRequest, onChunk, afterResponse, onError.`,
      `Implement AiPluginHooks in ${name}, or remove @AiPlugin() from it.`,
    ),
};
