import type { z } from 'zod';

/** What a provider can do; the manager picks, along a chain, the providers that can do a call. */
export type AiCapability =
  'chat' | 'embed' | 'classify' | 'moderate' | 'summarize' | 'sentiment' | 'keywords' | 'language';

/** The manager's operations: what a call is, as budgets, caches, plugins and usage see it. */
export type AiOperation =
  | 'generate'
  | 'stream'
  | 'generateObject'
  | 'embed'
  | 'classify'
  | 'moderate'
  | 'summarize'
  | 'sentiment'
  | 'keywords'
  | 'language';

export interface AiMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Token counts of one call (zero where a provider counts none, as the offline one). */
export interface AiTokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/**
 * A model registered with its provider, context size and prices, so that each call's cost is
 * known. Prices are in the app's currency (USD by convention) per million tokens.
 */
export interface AIModel {
  /** The name requests use (`model: 'gpt-4o-mini'`), unique in the app. */
  name: string;
  /** The provider that serves it (a name from `AiModuleOptions.providers`). */
  provider: string;
  /** The name the provider knows it by, when it differs from `name`. */
  providerModel?: string;
  /** Context window in tokens; a request estimated above it is refused before it is sent. */
  contextTokens?: number;
  inputPricePerMillion?: number;
  outputPricePerMillion?: number;
  /**
   * Defaults to the provider's capabilities except `embed` and `moderate` (a model registered
   * without a list is taken for a chat model when a call names no model).
   */
  capabilities?: AiCapability[];
}

/** What every request may carry, whatever the operation. */
export interface AIRequestOptions {
  /** A registered model name; defaults to the first model of the provider that answers. */
  model?: string;
  /**
   * The provider, or the chain of providers tried in order, for this call (names from the
   * module's `providers`); defaults to the module's `chain`.
   */
  provider?: string | string[];
  /** Who the call is for: budgets and usage are counted per user. */
  user?: string;
  /**
   * `false` skips the response cache for this call (neither read nor written); `{ ttl }` is this
   * call's time to live in ms; `{ replayTiming: true }` replays a cached stream at its recorded
   * pace instead of at once.
   */
  cache?: boolean | { ttl?: number; replayTiming?: boolean };
  /** Per-attempt deadline in ms; defaults to the provider's `timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the call (and a stream) from outside. */
  signal?: AbortSignal;
  /** Free-form labels carried to plugins and usage (`{ feature: 'similar-questions' }`). */
  metadata?: Record<string, string>;
}

export interface AiTextRequest extends AIRequestOptions {
  /** The conversation; or `prompt` (a single user message) with an optional `system`. */
  messages?: AiMessage[];
  prompt?: string;
  system?: string;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
}

export interface AiObjectRequest<T> extends AiTextRequest {
  /** The shape the answer must have: validated, and asked again (up to `retries`) when not. */
  schema: z.ZodType<T>;
  schemaName?: string;
  /** Further attempts after invalid JSON or a schema mismatch; default 2. */
  retries?: number;
}

export interface AiEmbedRequest extends AIRequestOptions {
  input: string | string[];
}

export interface AiClassifyRequest extends AIRequestOptions {
  text: string;
  labels: string[];
}

export interface AiTextInputRequest extends AIRequestOptions {
  text: string;
}

export interface AiSummarizeRequest extends AiTextInputRequest {
  /** How many sentences the summary keeps (default 1). */
  sentences?: number;
}

export interface AiKeywordsRequest extends AiTextInputRequest {
  /** How many keywords (default 5). */
  limit?: number;
}

/** Any request the manager takes. */
export type AIRequest =
  | AiTextRequest
  | AiObjectRequest<unknown>
  | AiEmbedRequest
  | AiClassifyRequest
  | AiSummarizeRequest
  | AiKeywordsRequest
  | AiTextInputRequest;

/** A flag a plugin raised on a call (a suspected prompt injection, flagged output). */
export interface AiFlag {
  plugin: string;
  reason: string;
  /** `block` refuses the call (before it is sent) or its output (after). */
  severity: 'info' | 'warn' | 'block';
}

/** What every response carries. */
export interface AIResponse {
  /** The provider that answered (after fallback), or the one whose answer the cache replayed. */
  provider: string;
  model: string;
  usage: AiTokenUsage;
  /** Wall time of the call in ms, retries and fallbacks included. */
  latencyMs: number;
  /** From the model's prices; 0 when it has none. */
  cost: number;
  /** Answered from the cache. */
  cached: boolean;
  /** Providers tried before the one that answered, with why each failed. */
  fallbacks: { provider: string; error: string }[];
  flags: AiFlag[];
}

export interface AiTextResponse extends AIResponse {
  text: string;
  finishReason: 'stop' | 'length' | 'cancelled' | 'content_filter' | 'other';
}

export interface AiObjectResponse<T> extends AIResponse {
  object: T;
  text: string;
}

export interface AiEmbedResponse extends AIResponse {
  /** One vector per input, in input order. */
  embeddings: number[][];
}

export interface AiClassifyResponse extends AIResponse {
  label: string;
  /** A score per label (higher is closer). */
  scores: Record<string, number>;
}

export interface AiModerateResponse extends AIResponse {
  flagged: boolean;
  /** Category → score in [0, 1]. */
  categories: Record<string, number>;
}

export interface AiSummarizeResponse extends AIResponse {
  summary: string;
}

export interface AiSentimentResponse extends AIResponse {
  /** In [-1, 1]. */
  score: number;
  label: 'negative' | 'neutral' | 'positive';
}

export interface AiKeywordsResponse extends AIResponse {
  keywords: string[];
}

export interface AiLanguageResponse extends AIResponse {
  /** ISO 639-1 code (`en`), or `und` when unknown. */
  language: string;
  confidence: number;
}

/** One piece of a streamed answer. */
export interface AiStreamChunk {
  /** The text appended by this chunk. */
  text: string;
  /** 0, 1, 2… */
  index: number;
  /** ms since the stream started (a cached replay can keep the recorded timing). */
  at: number;
}

/**
 * A streamed answer: iterate it for chunks (once), await `response` for the whole answer with
 * usage and cost, `cancel()` to stop it (the provider's request is aborted, `response` resolves
 * with the text so far and `finishReason: 'cancelled'`).
 */
export interface AiStream extends AsyncIterable<AiStreamChunk> {
  readonly id: string;
  readonly response: Promise<AiTextResponse>;
  cancel(reason?: string): void;
}

// ---- Providers -------------------------------------------------------------------------------

/** A text request as a provider receives it: resolved model, messages built, defaults applied. */
export interface ProviderTextRequest {
  model: string;
  messages: AiMessage[];
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  stop?: string[];
  /** Ask for a JSON object (`response_format: { type: 'json_object' }` where supported). */
  json?: boolean;
  user?: string;
}

export interface ProviderTextResult {
  text: string;
  usage: AiTokenUsage;
  finishReason: AiTextResponse['finishReason'];
}

export type ProviderStreamEvent =
  | { type: 'text'; text: string }
  | { type: 'usage'; usage: AiTokenUsage }
  | { type: 'finish'; finishReason: AiTextResponse['finishReason'] };

/**
 * One AI backend. Implement the methods of the capabilities it lists; the manager never calls
 * the others. Throw `AiProviderError` (ai.errors.ts) so that the manager knows whether to retry
 * and fall back. `signal` aborts on the call's deadline or cancel.
 */
export interface AiProvider {
  readonly name: string;
  readonly capabilities: readonly AiCapability[];
  /** Models used when a request names none, per capability (`{ chat: 'gpt-4o-mini' }`). */
  readonly defaultModels?: Partial<Record<AiCapability, string>>;
  generate?(request: ProviderTextRequest, signal: AbortSignal): Promise<ProviderTextResult>;
  stream?(request: ProviderTextRequest, signal: AbortSignal): AsyncIterable<ProviderStreamEvent>;
  embed?(
    request: { model: string; input: string[] },
    signal: AbortSignal,
  ): Promise<{ embeddings: number[][]; usage: AiTokenUsage }>;
  classify?(
    request: { model: string; text: string; labels: string[] },
    signal: AbortSignal,
  ): Promise<{ label: string; scores: Record<string, number> }>;
  moderate?(
    request: { model: string; text: string },
    signal: AbortSignal,
  ): Promise<{ flagged: boolean; categories: Record<string, number> }>;
  summarize?(
    request: { model: string; text: string; sentences: number },
    signal: AbortSignal,
  ): Promise<{ summary: string }>;
  sentiment?(
    request: { model: string; text: string },
    signal: AbortSignal,
  ): Promise<{ score: number; label: AiSentimentResponse['label'] }>;
  keywords?(
    request: { model: string; text: string; limit: number },
    signal: AbortSignal,
  ): Promise<{ keywords: string[] }>;
  language?(
    request: { model: string; text: string },
    signal: AbortSignal,
  ): Promise<{ language: string; confidence: number }>;
  /** Closes connections on shutdown. */
  close?(): Promise<void>;
}

// ---- Module options --------------------------------------------------------------------------

/** An OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, LM Studio) through `openai`. */
export interface AiOpenAiProviderOptions {
  name: string;
  type: 'openai';
  baseURL?: string;
  apiKey?: string;
  /** Per-attempt deadline in ms (default 30 000; streams: until the first chunk). */
  timeoutMs?: number;
  /** Attempts on this provider before the chain moves on (default 2: one retry). */
  attempts?: number;
  /** Defaults per capability, e.g. `{ chat: 'gpt-4o-mini', embed: 'text-embedding-3-small' }`. */
  defaultModels?: Partial<Record<AiCapability, string>>;
}

/** The embedded provider: no network, no key (sentiment, keywords, summaries, embeddings…). */
export interface AiOfflineProviderOptions {
  name: string;
  type: 'offline';
}

/** A provider the app wrote (or a test's). */
export interface AiCustomProviderOptions {
  name: string;
  type: 'custom';
  provider: AiProvider;
  timeoutMs?: number;
  attempts?: number;
}

export type AiProviderOptions =
  AiOpenAiProviderOptions | AiOfflineProviderOptions | AiCustomProviderOptions;

/** Tokens or money per period, per user or for the whole app. */
export interface AiBudgetLimit {
  tokens?: number;
  cost?: number;
  period: 'minute' | 'hour' | 'day' | 'month';
}

export interface AiModuleOptions {
  /** Named providers; default `[{ name: 'offline', type: 'offline' }]`. */
  providers?: AiProviderOptions[];
  /** The fallback chain calls use when they name no provider; default: `providers` in order. */
  chain?: string[];
  models?: AIModel[];
  /**
   * Response cache on @lattice/cache (needs CacheModule): the store's name (default `default`),
   * the TTL in ms (default: the store's), whether cached streams replay at their recorded pace
   * (default `false`: at once). `false` turns it off.
   */
  cache?: false | { store?: string; ttl?: number; replayTiming?: boolean };
  budgets?: { perUser?: AiBudgetLimit; app?: AiBudgetLimit };
  /** Backoff between attempts: `baseDelayMs * 2^n`, jittered, capped (defaults 200 / 5 000). */
  retry?: { baseDelayMs?: number; maxDelayMs?: number };
}

// ---- The call pipeline (what plugins, the cache, budgets and usage see) -----------------------

/**
 * One call as it passes through the manager. Plugins may rewrite `request` (a redactor masks
 * text before it leaves) and raise `flags`; everything else is read-only.
 */
export interface AiCall<R extends AIRequest = AIRequest> {
  readonly id: string;
  readonly operation: AiOperation;
  request: R;
  /** The chain this call will try, in order (after capability filtering). */
  readonly chain: readonly string[];
  readonly user: string | undefined;
  readonly startedAt: number;
  readonly flags: AiFlag[];
  readonly signal: AbortSignal;
}

/** The outcome usage counts: which provider, tokens, cost, latency, cache, error. */
export interface AiCallOutcome {
  call: AiCall;
  response?: AIResponse;
  error?: unknown;
}

/**
 * A plugin: a class marked `@AiPlugin({ order })`, found at boot, whose hooks wrap every call
 * in ascending `order` (after-hooks too). A hook may rewrite `call.request`, push to
 * `call.flags`, or throw to refuse.
 */
export interface AiPluginHooks {
  beforeRequest?(call: AiCall): void | Promise<void>;
  /** A stream's chunk before the caller sees it; return a changed chunk to rewrite it. */
  onChunk?(call: AiCall, chunk: AiStreamChunk): AiStreamChunk | void;
  afterResponse?(call: AiCall, response: AIResponse): void | Promise<void>;
  onError?(call: AiCall, error: unknown): void | Promise<void>;
}
