import type { AiCapability, AiProvider } from '../../ai.interfaces';

/**
 * The embedded provider (no network, no key). PLACEHOLDER: the `offline` branch replaces this
 * body with the wink-nlp one; the module builds it as `new OfflineProvider(name)`.
 */
export class OfflineProvider implements AiProvider {
  readonly capabilities: readonly AiCapability[] = [];

  constructor(readonly name: string) {}
}
