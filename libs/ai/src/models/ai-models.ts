import type { AiCapability, AIModel, AiProvider, AiTokenUsage } from '../ai.interfaces';

/** Capabilities a chat model does not have: they need a model registered for them. */
const SPECIALISED = new Set<AiCapability>(['embed', 'moderate']);

/** What a call sends to one provider: the name the provider knows, and the registered model if any. */
export interface ResolvedModel {
  /** The name responses carry (the registered one, or what the request or provider named). */
  name: string;
  /** The name sent to the provider. */
  providerModel: string;
  model?: AIModel;
}

/**
 * The registered models (`AiModuleOptions.models`): which provider serves each, its context
 * size and prices. Resolves the model of a call on a given provider and prices its usage.
 */
export class AiModels {
  private readonly byName: Map<string, AIModel>;

  constructor(readonly models: readonly AIModel[] = []) {
    this.byName = new Map(models.map((model) => [model.name, model]));
  }

  get(name: string): AIModel | undefined {
    return this.byName.get(name);
  }

  /**
   * The model a call uses on `provider`: the requested one when it is the provider's (or not
   * registered at all: passed through as is), otherwise the provider's first registered model
   * with the capability, otherwise the provider's default for it.
   */
  resolve(
    requested: string | undefined,
    provider: AiProvider,
    capability: AiCapability,
  ): ResolvedModel {
    if (requested) {
      const model = this.byName.get(requested);
      if (!model) return { name: requested, providerModel: requested };
      if (model.provider === provider.name)
        return { name: model.name, providerModel: model.providerModel ?? model.name, model };
    }
    const own =
      this.models.find(
        (model) => model.provider === provider.name && model.capabilities?.includes(capability),
      ) ??
      // A model registered without capabilities is taken for a chat model: embeddings and
      // moderation need models of their own.
      (SPECIALISED.has(capability)
        ? undefined
        : this.models.find(
            (model) =>
              model.provider === provider.name &&
              !model.capabilities &&
              provider.capabilities.includes(capability),
          ));
    if (own) return { name: own.name, providerModel: own.providerModel ?? own.name, model: own };
    const fallback = provider.defaultModels?.[capability] ?? provider.name;
    return { name: fallback, providerModel: fallback };
  }

  /** The cost of `usage` on `model` (prices per million tokens); 0 without prices. */
  static cost(model: AIModel | undefined, usage: AiTokenUsage): number {
    if (!model) return 0;
    const input = (usage.promptTokens * (model.inputPricePerMillion ?? 0)) / 1_000_000;
    const output = (usage.completionTokens * (model.outputPricePerMillion ?? 0)) / 1_000_000;
    // Rounded to a millionth of a unit: sums of many calls stay readable.
    return Math.round((input + output) * 1e9) / 1e9;
  }
}

/** A rough token count: about four characters a token for English (no tokenizer is loaded). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}
