/** The checked `AiModule` options. */
export const AI_MODULE_OPTIONS = Symbol('lattice:ai:options');

/** Metadata key of `@AiPlugin()` classes. */
export const AI_PLUGIN_METADATA = 'lattice:ai:plugin';

/** The token of `@InjectAi(name)`: the manager, or a manager bound to one provider. */
export function getAiToken(provider?: string): string {
  return provider ? `lattice:ai:manager:${provider}` : 'lattice:ai:manager';
}
