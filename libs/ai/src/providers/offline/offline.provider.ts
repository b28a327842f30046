import type { AiCapability, AiProvider, AiTokenUsage } from '../../ai.interfaces';
import { classifyText, type LabelExamples } from './offline.classify';
import { embedParsed, OFFLINE_EMBEDDING_DIMENSIONS } from './offline.embeddings';
import { keywordsOf } from './offline.keywords';
import { detectLanguage } from './offline.language';
import { OfflineMessages } from './offline.messages';
import {
  compileModeration,
  moderateText,
  type CompiledModeration,
  type ModerationWords,
} from './offline.moderation';
import { parseText, warmUpNlp } from './offline.nlp';
import { sentimentOf } from './offline.sentiment';
import { summarizeParsed } from './offline.summarize';

/** The model name the offline provider answers with (its embeddings have their own). */
export const OFFLINE_MODEL = 'lattice-offline';
/** The offline embeddings' model name: it names the method, so cached vectors of another differ. */
export const OFFLINE_EMBEDDING_MODEL = `lattice-offline-hash-${OFFLINE_EMBEDDING_DIMENSIONS}`;

/** Optional tuning of the offline provider for one app. */
export interface OfflineProviderOptions {
  /** Examples per classification label, for labels whose name alone shares few words with texts. */
  labelExamples?: LabelExamples;
  /** Words added to the moderation lists (the built-in lists are English and short). */
  moderation?: ModerationWords;
}

const NO_TOKENS: AiTokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/**
 * The embedded provider: no network, no key, no model download. Sentiment, keywords, extractive
 * summaries, language detection, classification into given labels, moderation and embeddings
 * for similarity, on wink-nlp's English model (loaded once, on first use) and heuristics of our
 * own. It does not chat: it is not a language model, so it lists no `chat` capability and the
 * manager sends chat elsewhere (or refuses, naming the providers that can). Each capability's
 * method and limits are in docs/guide/ai.md ("The offline provider").
 */
export class OfflineProvider implements AiProvider {
  readonly capabilities: readonly AiCapability[] = [
    'embed',
    'classify',
    'summarize',
    'sentiment',
    'keywords',
    'language',
    'moderate',
  ];

  readonly defaultModels: Partial<Record<AiCapability, string>> = {
    embed: OFFLINE_EMBEDDING_MODEL,
    classify: OFFLINE_MODEL,
    summarize: OFFLINE_MODEL,
    sentiment: OFFLINE_MODEL,
    keywords: OFFLINE_MODEL,
    language: OFFLINE_MODEL,
    moderate: OFFLINE_MODEL,
  };

  /** Length of the vectors `embed` returns. */
  readonly dimensions = OFFLINE_EMBEDDING_DIMENSIONS;

  private readonly moderation: CompiledModeration;

  constructor(
    readonly name: string,
    private readonly options: OfflineProviderOptions = {},
  ) {
    this.moderation = compileModeration(options.moderation);
  }

  /** Loads the English model now rather than on the first call (about 200 ms). */
  warmUp(): void {
    warmUpNlp();
  }

  async embed(
    request: { model: string; input: string[] },
    signal?: AbortSignal,
  ): Promise<{ embeddings: number[][]; usage: AiTokenUsage }> {
    const embeddings: number[][] = [];
    for (const text of request.input) {
      signal?.throwIfAborted();
      embeddings.push(Array.from(embedParsed(parseText(text))));
    }
    return { embeddings, usage: NO_TOKENS };
  }

  async classify(
    request: { model: string; text: string; labels: string[] },
    signal?: AbortSignal,
  ): Promise<{ label: string; scores: Record<string, number> }> {
    signal?.throwIfAborted();
    if (!request.labels.length) throw OfflineMessages.labelsMissing(this.name);
    return classifyText(request.text, request.labels, this.options.labelExamples);
  }

  async moderate(
    request: { model: string; text: string },
    signal?: AbortSignal,
  ): Promise<{ flagged: boolean; categories: Record<string, number> }> {
    signal?.throwIfAborted();
    return moderateText(request.text, this.moderation);
  }

  async summarize(
    request: { model: string; text: string; sentences: number },
    signal?: AbortSignal,
  ): Promise<{ summary: string }> {
    signal?.throwIfAborted();
    if (!Number.isInteger(request.sentences) || request.sentences < 1) {
      throw OfflineMessages.sentencesInvalid(this.name, request.sentences);
    }
    return { summary: summarizeParsed(parseText(request.text, true), request.sentences) };
  }

  async sentiment(
    request: { model: string; text: string },
    signal?: AbortSignal,
  ): Promise<{ score: number; label: 'negative' | 'neutral' | 'positive' }> {
    signal?.throwIfAborted();
    return sentimentOf(parseText(request.text));
  }

  async keywords(
    request: { model: string; text: string; limit: number },
    signal?: AbortSignal,
  ): Promise<{ keywords: string[] }> {
    signal?.throwIfAborted();
    return { keywords: keywordsOf(parseText(request.text), request.limit) };
  }

  async language(
    request: { model: string; text: string },
    signal?: AbortSignal,
  ): Promise<{ language: string; confidence: number }> {
    signal?.throwIfAborted();
    return detectLanguage(request.text);
  }
}
