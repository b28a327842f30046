import type { AiCapability, AiModuleOptions, AiProvider } from '../ai.interfaces';
import { AiMessages } from '../ai.messages';
import { OfflineProvider } from './offline/offline.provider';
import { OpenAiProvider } from './openai/openai.provider';

/** One configured provider with its per-attempt deadline and attempts. */
export interface AiProviderEntry {
  provider: AiProvider;
  timeoutMs: number;
  attempts: number;
}

/** Defaults of a provider's deadline and attempts (documented on `AiOpenAiProviderOptions`). */
export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_ATTEMPTS = 2;

/** The module's default: the embedded provider, no network, no key. */
export const DEFAULT_PROVIDERS: NonNullable<AiModuleOptions['providers']> = [
  { name: 'offline', type: 'offline' },
];

/** The configured providers by name, in order, and the default chain. */
export class AiProviders {
  private readonly byName: Map<string, AiProviderEntry>;
  /** The chain calls use when they name none. */
  readonly chain: readonly string[];

  constructor(
    readonly entries: readonly AiProviderEntry[],
    chain?: readonly string[],
  ) {
    this.byName = new Map(entries.map((entry) => [entry.provider.name, entry]));
    this.chain = chain ?? entries.map((entry) => entry.provider.name);
  }

  get names(): string[] {
    return this.entries.map((entry) => entry.provider.name);
  }

  get(name: string): AiProviderEntry {
    const entry = this.byName.get(name);
    if (!entry) throw AiMessages.providerUnknown(name, this.names);
    return entry;
  }

  /** Configured providers that can do `capability`, in configuration order. */
  able(capability: AiCapability): string[] {
    return this.entries
      .filter((entry) => entry.provider.capabilities.includes(capability))
      .map((entry) => entry.provider.name);
  }

  async close(): Promise<void> {
    await Promise.all(this.entries.map((entry) => entry.provider.close?.()));
  }

  /** Builds the providers the options describe (openai through the client, offline embedded). */
  static fromOptions(options: AiModuleOptions): AiProviders {
    const entries = (options.providers ?? DEFAULT_PROVIDERS).map((given): AiProviderEntry => {
      switch (given.type) {
        case 'openai':
          return {
            provider: new OpenAiProvider(given),
            timeoutMs: given.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            attempts: given.attempts ?? DEFAULT_ATTEMPTS,
          };
        case 'offline':
          // Local work: nothing to retry, nothing to wait for.
          return {
            provider: new OfflineProvider(given.name),
            timeoutMs: DEFAULT_TIMEOUT_MS,
            attempts: 1,
          };
        case 'custom':
          return {
            provider: given.provider,
            timeoutMs: given.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            attempts: given.attempts ?? DEFAULT_ATTEMPTS,
          };
      }
    });
    return new AiProviders(entries, options.chain);
  }
}
