import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AI_MODULE_OPTIONS } from '../ai.constants';
import type {
  AiCall,
  AiCapability,
  AiClassifyRequest,
  AiClassifyResponse,
  AiEmbedRequest,
  AiEmbedResponse,
  AiKeywordsRequest,
  AiKeywordsResponse,
  AiLanguageResponse,
  AiMessage,
  AiModerateResponse,
  AiModuleOptions,
  AiObjectRequest,
  AiObjectResponse,
  AiOperation,
  AiProvider,
  AIRequest,
  AIResponse,
  AiSentimentResponse,
  AiStream,
  AiStreamChunk,
  AiSummarizeRequest,
  AiSummarizeResponse,
  AiTextInputRequest,
  AiTextRequest,
  AiTextResponse,
  AiTokenUsage,
  ProviderStreamEvent,
  ProviderTextRequest,
} from '../ai.interfaces';
import { AiMessages } from '../ai.messages';
import { AiBudgets } from '../budgets/ai-budgets';
import { AiResponseCache, type StreamRecorder } from '../cache/ai-response-cache';
import { AiModels, estimateTokens, type ResolvedModel } from '../models/ai-models';
import { AiPluginRunner } from '../plugins/ai-plugin-runner';
import { AiProviders, type AiProviderEntry } from '../providers/ai-providers';
import { AiUsage } from '../usage/ai-usage';
import {
  cancelledError,
  runChain,
  type AttemptDeadline,
  type FallbackNote,
  type RetrySettings,
} from './ai-fallback';
import { ManagedAiStream } from './ai-stream';

/** The capability each operation needs of a provider. */
export const OPERATION_CAPABILITY: Record<AiOperation, AiCapability> = {
  generate: 'chat',
  stream: 'chat',
  generateObject: 'chat',
  embed: 'embed',
  classify: 'classify',
  moderate: 'moderate',
  summarize: 'summarize',
  sentiment: 'sentiment',
  keywords: 'keywords',
  language: 'language',
};

/** What an operation's work returns; the pipeline adds latency, cache, fallbacks and flags. */
type Answer<T extends AIResponse> = Omit<T, 'latencyMs' | 'cached' | 'fallbacks' | 'flags'> & {
  /** Set by work that is answered from the cache itself (embeddings, per text). */
  cached?: boolean;
};

/** The signal of a call given none (nothing aborts it; listeners are removed after each attempt). */
const NEVER = new AbortController().signal;

const NO_USAGE: AiTokenUsage = { promptTokens: 0, completionTokens: 0, totalTokens: 0 };

/**
 * The AI hub: every call goes through one pipeline, in this order: the call is built (its chain
 * filtered to the providers that can do it; none → a 501 naming those that could) → plugins'
 * before-hooks (a redactor rewrites the request before anything sees it) → budgets (refused
 * calls cost nothing) → the response cache (a hit skips the providers) → the fallback chain
 * (per-provider deadline, retries with jittered backoff, next provider on timeout, network
 * error, 5xx, 429) → cache store → budgets charged → usage recorded (always: hits and errors too)
 * → plugins' after-hooks. See docs/decisions/0032-ai-hub.md.
 *
 * @example
 * constructor(private readonly ai: AIManager) {}
 * const { text, cost, provider } = await this.ai.generate({ prompt: 'Say hello' });
 * for await (const chunk of this.ai.stream({ prompt: 'Tell a story' })) process.stdout.write(chunk.text);
 */
@Injectable()
export class AIManager {
  /** A view's chain (`using()`, `@InjectAi(name)`); undefined: the module's. */
  private bound: readonly string[] | undefined;
  private readonly models: AiModels;
  private readonly retry: RetrySettings;

  constructor(
    @Inject(AI_MODULE_OPTIONS) private readonly options: AiModuleOptions,
    private readonly providers: AiProviders,
    private readonly cache: AiResponseCache,
    private readonly budgets: AiBudgets,
    private readonly plugins: AiPluginRunner,
    private readonly usage: AiUsage,
  ) {
    this.models = new AiModels(options.models);
    this.retry = {
      baseDelayMs: options.retry?.baseDelayMs ?? 200,
      maxDelayMs: options.retry?.maxDelayMs ?? 5_000,
    };
  }

  /** The configured provider names, in order. */
  get providerNames(): string[] {
    return this.providers.names;
  }

  /** The chain calls use when they name none (this view's, or the module's). */
  get chain(): readonly string[] {
    return this.bound ?? this.providers.chain;
  }

  /** A provider by name (its raw client for what the manager does not cover). */
  provider(name: string): AiProvider {
    return this.providers.get(name).provider;
  }

  /**
   * The same manager bound to one provider, or to a chain of them, for every call it makes
   * (what `@InjectAi('name')` injects).
   */
  using(chain: string | readonly string[]): AIManager {
    const names = typeof chain === 'string' ? [chain] : [...chain];
    for (const name of names) this.providers.get(name); // unknown names fail here, not per call
    const view = Object.create(AIManager.prototype) as AIManager;
    Object.assign(view, this, { bound: names });
    return view;
  }

  /** A chat answer. */
  generate(request: AiTextRequest): Promise<AiTextResponse> {
    return this.run<AiTextResponse>('generate', request, async (call, fallbacks) => {
      const req = call.request as AiTextRequest;
      const { value, provider } = await runChain(
        call,
        this.providers,
        this.retry,
        fallbacks,
        (entry, deadline) => this.chatOnce(entry, req, deadline),
        req.timeoutMs,
      );
      return { provider, ...value };
    });
  }

  /**
   * A chat answer streamed chunk by chunk. Falls back to the next provider only before the first
   * chunk (after it, the reader has seen text that another model would not continue).
   */
  stream(request: AiTextRequest): AiStream {
    const controller = new AbortController();
    if (request.signal) {
      if (request.signal.aborted) controller.abort(request.signal.reason);
      else
        request.signal.addEventListener('abort', () => controller.abort(request.signal!.reason), {
          once: true,
        });
    }
    const call = this.createCall('stream', request, controller.signal);
    const stream = new ManagedAiStream(call.id, controller);
    stream.settle(this.runStream(call, stream));
    return stream;
  }

  /**
   * A typed object: JSON asked of the model (json mode), parsed and validated with `schema`;
   * on invalid JSON or a mismatch the model is asked again (up to `retries`, default 2) and told
   * what was wrong.
   */
  generateObject<T>(request: AiObjectRequest<T>): Promise<AiObjectResponse<T>> {
    return this.run<AiObjectResponse<T>>(
      'generateObject',
      request as AiObjectRequest<unknown>,
      async (call, fallbacks) => {
        const req = call.request as AiObjectRequest<T>;
        const retries = req.retries ?? 2;
        const messages = [objectInstruction(req), ...buildMessages(req, 'generateObject')];
        const usage = { ...NO_USAGE };
        let cost = 0;
        let problem = '';
        let provider = '';
        let text = '';
        for (let attempt = 0; attempt <= retries; attempt++) {
          const answer = await runChain(
            call,
            this.providers,
            this.retry,
            fallbacks,
            (entry, deadline) =>
              this.chatOnce(
                entry,
                { ...req, messages, prompt: undefined, system: undefined },
                deadline,
                true,
              ),
            req.timeoutMs,
          );
          provider = answer.provider;
          text = answer.value.text;
          addUsage(usage, answer.value.usage);
          cost += answer.value.cost;
          const checked = parseObject(text, req.schema);
          if (checked.ok)
            return {
              provider,
              model: answer.value.model,
              usage,
              cost,
              object: checked.value,
              text,
            };
          problem = checked.problem;
          messages.push(
            { role: 'assistant', content: text },
            {
              role: 'user',
              content: `That answer is not valid: ${problem}\nAnswer again with only the corrected JSON object.`,
            },
          );
        }
        throw AiMessages.invalidObject(provider, retries + 1, problem, text);
      },
    );
  }

  /**
   * Vectors for one text or many (one per input, in order). Texts already embedded with the same
   * model come from the cache (by hash of the text); only the others are sent.
   */
  embed(request: AiEmbedRequest): Promise<AiEmbedResponse> {
    return this.run<AiEmbedResponse>('embed', request, async (call, fallbacks) => {
      const req = call.request as AiEmbedRequest;
      const input = Array.isArray(req.input) ? req.input : [req.input];
      let answered: { provider: string; model: ResolvedModel; usage: AiTokenUsage } | undefined;
      const { embeddings, hits } = await this.cache.embedCached(call, input, async (missing) => {
        const { value, provider } = await runChain(
          call,
          this.providers,
          this.retry,
          fallbacks,
          async (entry, deadline) => {
            const model = this.modelFor(entry, req.model, 'embed');
            refuseIfTooLong(model, Math.max(0, ...missing.map((text) => estimateTokens(text))));
            const result = await entry.provider.embed!(
              { model: model.providerModel, input: missing },
              deadline.signal,
            );
            return { model, ...result };
          },
          req.timeoutMs,
        );
        answered = { provider, model: value.model, usage: value.usage };
        return value.embeddings;
      });
      // Every text from the cache: the chain's first provider is the one that would have answered.
      const provider = answered?.provider ?? call.chain[0];
      const model =
        answered?.model ?? this.modelFor(this.providers.get(provider), req.model, 'embed');
      const usage = answered?.usage ?? { ...NO_USAGE };
      return {
        provider,
        model: model.name,
        usage,
        cost: AiModels.cost(model.model, usage),
        embeddings,
        cached: hits === input.length,
      };
    });
  }

  /** The closest of the given labels. */
  classify(request: AiClassifyRequest): Promise<AiClassifyResponse> {
    return this.task<AiClassifyResponse, AiClassifyRequest>(
      'classify',
      request,
      (provider, model, req, signal) =>
        provider.classify!({ model, text: req.text, labels: req.labels }, signal),
    );
  }

  /** Whether the text breaks content rules, with a score per category. */
  moderate(request: AiTextInputRequest): Promise<AiModerateResponse> {
    return this.task<AiModerateResponse, AiTextInputRequest>(
      'moderate',
      request,
      (provider, model, req, signal) => provider.moderate!({ model, text: req.text }, signal),
    );
  }

  /** A summary of `sentences` sentences (default 1). */
  summarize(request: AiSummarizeRequest): Promise<AiSummarizeResponse> {
    return this.task<AiSummarizeResponse, AiSummarizeRequest>(
      'summarize',
      request,
      (provider, model, req, signal) =>
        provider.summarize!({ model, text: req.text, sentences: req.sentences ?? 1 }, signal),
    );
  }

  /** A score in [-1, 1] and its label. */
  sentiment(request: AiTextInputRequest): Promise<AiSentimentResponse> {
    return this.task<AiSentimentResponse, AiTextInputRequest>(
      'sentiment',
      request,
      (provider, model, req, signal) => provider.sentiment!({ model, text: req.text }, signal),
    );
  }

  /** The text's main terms (default 5). */
  keywords(request: AiKeywordsRequest): Promise<AiKeywordsResponse> {
    return this.task<AiKeywordsResponse, AiKeywordsRequest>(
      'keywords',
      request,
      (provider, model, req, signal) =>
        provider.keywords!({ model, text: req.text, limit: req.limit ?? 5 }, signal),
    );
  }

  /** The text's language (ISO 639-1, `und` when unknown). */
  language(request: AiTextInputRequest): Promise<AiLanguageResponse> {
    return this.task<AiLanguageResponse, AiTextInputRequest>(
      'language',
      request,
      (provider, model, req, signal) => provider.language!({ model, text: req.text }, signal),
    );
  }

  // ---- the pipeline ----------------------------------------------------------------------------

  private createCall(operation: AiOperation, request: AIRequest, signal: AbortSignal): AiCall {
    const capability = OPERATION_CAPABILITY[operation];
    const asked = request.provider ?? this.bound;
    let chain: string[];
    if (asked !== undefined) chain = typeof asked === 'string' ? [asked] : [...asked];
    else {
      chain = [...this.providers.chain];
      // A registered model names its provider: try that one first.
      const owner = request.model ? this.models.get(request.model)?.provider : undefined;
      if (owner) chain = [owner, ...chain.filter((name) => name !== owner)];
    }
    for (const name of chain) this.providers.get(name);
    return {
      id: randomUUID(),
      operation,
      request,
      chain: chain.filter((name) =>
        this.providers.get(name).provider.capabilities.includes(capability),
      ),
      user: request.user,
      startedAt: Date.now(),
      flags: [],
      signal,
    } satisfies AiCall;
  }

  /** The pipeline of a call answered in one piece (everything but streams). */
  private async run<T extends AIResponse>(
    operation: AiOperation,
    request: AIRequest,
    work: (call: AiCall, fallbacks: FallbackNote[]) => Promise<Answer<T>>,
  ): Promise<T> {
    const call = this.createCall(operation, request, request.signal ?? NEVER);
    try {
      this.refuseIfUnsupported(call);
      await this.plugins.before(call);
      await this.budgets.check(call);
      const started = performance.now();
      const hit = (await this.cache.lookup(call)) as T | undefined;
      let response: T;
      if (hit) {
        response = {
          ...hit,
          cached: true,
          latencyMs: performance.now() - started,
          fallbacks: [],
          flags: call.flags,
        };
      } else {
        const fallbacks: FallbackNote[] = [];
        const answer = await work(call, fallbacks);
        response = {
          cached: false,
          ...answer,
          latencyMs: performance.now() - started,
          fallbacks,
          flags: call.flags,
        } as T;
        await this.cache.store(call, response);
        await this.budgets.charge(call, response);
      }
      this.usage.record({ call, response });
      await this.plugins.after(call, response);
      return response;
    } catch (error) {
      this.usage.record({ call, error });
      await this.plugins.error(call, error);
      throw error;
    }
  }

  /** The pipeline of a stream: the same steps, with a recorder and a chunk hook. */
  private async runStream(call: AiCall, stream: ManagedAiStream): Promise<AiTextResponse> {
    const started = performance.now();
    const at = () => Math.round(performance.now() - started);
    let text = '';
    let index = 0;
    let provider = call.chain[0] ?? '';
    let model: ResolvedModel | undefined;
    const fallbacks: FallbackNote[] = [];
    let recorder: StreamRecorder | undefined;
    const emit = (chunk: AiStreamChunk) => {
      const shown = this.plugins.chunk(call, chunk);
      text += shown.text;
      stream.push(shown);
    };
    const cancelledResponse = (): AiTextResponse => {
      const usage = estimatedUsage(call.request as AiTextRequest, text);
      return {
        provider,
        model: model?.name ?? '',
        usage,
        cost: AiModels.cost(model?.model, usage),
        latencyMs: performance.now() - started,
        cached: false,
        fallbacks,
        flags: call.flags,
        text,
        finishReason: 'cancelled',
      };
    };
    try {
      this.refuseIfUnsupported(call);
      await this.plugins.before(call);
      await this.budgets.check(call);
      const recorded = await this.cache.lookupStream(call);
      let response: AiTextResponse;
      if (recorded) {
        // At once, or at the recorded pace; stops when the stream is cancelled.
        for await (const chunk of this.cache.replay(call, recorded)) emit(chunk);
        response = stream.cancelled
          ? { ...cancelledResponse(), provider: recorded.response.provider, cached: true }
          : {
              ...recorded.response,
              text,
              cached: true,
              latencyMs: performance.now() - started,
              fallbacks: [],
              flags: call.flags,
            };
      } else {
        const req = call.request as AiTextRequest;
        const opened = await runChain(
          call,
          this.providers,
          this.retry,
          fallbacks,
          (entry, deadline) => this.openStream(entry, req, deadline),
          req.timeoutMs,
        );
        provider = opened.provider;
        model = opened.value.model;
        recorder = this.cache.recordStream(call);
        let usage: AiTokenUsage | undefined;
        let finishReason: AiTextResponse['finishReason'] = 'stop';
        // The provider's own text, before chunk plugins (a PII redactor restores values in what
        // the caller reads): the cache keeps this one, as it keeps the raw chunks.
        let providerText = '';
        const handle = (event: ProviderStreamEvent) => {
          if (event.type === 'usage') usage = event.usage;
          else if (event.type === 'finish') finishReason = event.finishReason;
          else if (event.text) {
            providerText += event.text;
            const chunk = { text: event.text, index: index++, at: at() };
            recorder?.chunk(chunk);
            emit(chunk);
          }
        };
        opened.value.first.forEach(handle);
        try {
          for (;;) {
            const next = await opened.value.events.next();
            if (next.done) break;
            handle(next.value);
          }
        } catch (error) {
          if (!stream.cancelled) throw error;
        }
        if (stream.cancelled) {
          await opened.value.events.return?.();
          recorder?.abandon(); // a cancelled stream is never stored
          response = cancelledResponse();
        } else {
          const used = usage ?? estimatedUsage(req, text);
          response = {
            provider,
            model: model.name,
            usage: used,
            cost: AiModels.cost(model.model, used),
            latencyMs: performance.now() - started,
            cached: false,
            fallbacks,
            flags: call.flags,
            text,
            finishReason,
          };
          await recorder?.finish({ ...response, text: providerText });
        }
        await this.budgets.charge(call, response);
      }
      this.usage.record({ call, response });
      await this.plugins.after(call, response);
      stream.end();
      return response;
    } catch (thrown) {
      recorder?.abandon();
      if (stream.cancelled) {
        // Cancelled before the first chunk (or while waiting for a provider): nothing to show.
        const response = cancelledResponse();
        this.usage.record({ call, response });
        stream.end();
        return response;
      }
      this.usage.record({ call, error: thrown });
      await this.plugins.error(call, thrown);
      stream.fail(thrown);
      throw thrown;
    }
  }

  /** Operations answered by one provider method (classify, moderate, summarize…). */
  private task<T extends AIResponse, R extends AiTextInputRequest>(
    operation: AiOperation,
    request: R,
    ask: (
      provider: AiProvider,
      model: string,
      request: R,
      signal: AbortSignal,
    ) => Promise<Omit<T, keyof AIResponse>>,
  ): Promise<T> {
    return this.run<T>(operation, request, async (call, fallbacks) => {
      const req = call.request as R;
      const { value, provider } = await runChain(
        call,
        this.providers,
        this.retry,
        fallbacks,
        async (entry, deadline) => {
          const model = this.modelFor(entry, req.model, OPERATION_CAPABILITY[operation]);
          refuseIfTooLong(model, estimateTokens(req.text));
          return {
            model,
            result: await ask(entry.provider, model.providerModel, req, deadline.signal),
          };
        },
        req.timeoutMs,
      );
      // Providers that spend tokens on these (a chat model asked to classify) may say how many.
      const { usage = { ...NO_USAGE }, ...result } = value.result as { usage?: AiTokenUsage };
      return {
        ...result,
        provider,
        model: value.model.name,
        usage,
        cost: AiModels.cost(value.model.model, usage),
      } as unknown as Answer<T>;
    });
  }

  private async chatOnce(
    entry: AiProviderEntry,
    req: AiTextRequest,
    deadline: AttemptDeadline,
    json = false,
  ) {
    const model = this.modelFor(entry, req.model, 'chat');
    const providerRequest = textRequest(req, model, json);
    const result = await entry.provider.generate!(providerRequest, deadline.signal);
    return {
      model: model.name,
      usage: result.usage,
      cost: AiModels.cost(model.model, result.usage),
      text: result.text,
      finishReason: result.finishReason,
    };
  }

  /** Opens a provider's stream and waits for its first text (the deadline covers only that). */
  private async openStream(entry: AiProviderEntry, req: AiTextRequest, deadline: AttemptDeadline) {
    const model = this.modelFor(entry, req.model, 'chat');
    deadline.keepLinked();
    const events = entry.provider.stream!(textRequest(req, model, false), deadline.signal)[
      Symbol.asyncIterator
    ]();
    const first: ProviderStreamEvent[] = [];
    for (;;) {
      const next = await events.next();
      if (next.done) break;
      first.push(next.value);
      if (next.value.type === 'text') break;
    }
    return { model, events, first };
  }

  private modelFor(
    entry: AiProviderEntry,
    requested: string | undefined,
    capability: AiCapability,
  ) {
    return this.models.resolve(requested, entry.provider, capability);
  }

  private refuseIfUnsupported(call: AiCall): void {
    if (call.signal.aborted) throw cancelledError(call.signal);
    if (call.chain.length > 0) return;
    const capability = OPERATION_CAPABILITY[call.operation];
    const asked = call.request.provider ?? this.bound ?? this.providers.chain;
    throw AiMessages.unsupported(
      call.operation,
      capability,
      typeof asked === 'string' ? [asked] : asked,
      this.providers.able(capability),
    );
  }
}

/** `messages`, or `system` + `prompt` as messages. */
export function buildMessages(request: AiTextRequest, operation: AiOperation): AiMessage[] {
  const messages: AiMessage[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  if (request.messages) messages.push(...request.messages);
  if (request.prompt !== undefined) messages.push({ role: 'user', content: request.prompt });
  if (!messages.some((m) => m.role !== 'system')) throw AiMessages.noInput(operation);
  return messages;
}

function textRequest(req: AiTextRequest, model: ResolvedModel, json: boolean): ProviderTextRequest {
  const messages = buildMessages(req, json ? 'generateObject' : 'generate');
  refuseIfTooLong(
    model,
    estimateTokens(messages.map((m) => m.content).join('\n')) + (req.maxTokens ?? 0),
  );
  return {
    model: model.providerModel,
    messages,
    temperature: req.temperature,
    maxTokens: req.maxTokens,
    topP: req.topP,
    stop: req.stop,
    json: json || undefined,
    user: req.user,
  };
}

/** Refused before sending: the estimate (characters / 4) is over the model's context. */
function refuseIfTooLong(model: ResolvedModel, estimated: number): void {
  const limit = model.model?.contextTokens;
  if (limit !== undefined && estimated > limit)
    throw AiMessages.contextTooLong(model.name, estimated, limit);
}

function estimatedUsage(req: AiTextRequest, text: string): AiTokenUsage {
  let prompt: number;
  try {
    prompt = estimateTokens(
      buildMessages(req, 'stream')
        .map((m) => m.content)
        .join('\n'),
    );
  } catch {
    prompt = 0;
  }
  const completion = estimateTokens(text);
  return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
}

function addUsage(total: AiTokenUsage, more: AiTokenUsage): void {
  total.promptTokens += more.promptTokens;
  total.completionTokens += more.completionTokens;
  total.totalTokens += more.totalTokens;
}

function objectInstruction(req: AiObjectRequest<unknown>): AiMessage {
  let schema = '';
  try {
    schema = JSON.stringify(z.toJSONSchema(req.schema));
  } catch {
    // Schemas with transforms have no JSON Schema; the validation errors will guide the model.
  }
  return {
    role: 'system',
    content:
      `Answer with one JSON object${req.schemaName ? ` (${req.schemaName})` : ''} and nothing else.` +
      (schema ? ` It must match this JSON Schema: ${schema}` : ''),
  };
}

/** JSON (a fenced block accepted) validated by the schema; the problem told to the model if not. */
export function parseObject<T>(
  text: string,
  schema: z.ZodType<T>,
): { ok: true; value: T } | { ok: false; problem: string } {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse((fenced ? fenced[1] : text).trim());
  } catch (error) {
    return { ok: false, problem: `it is not JSON (${(error as Error).message}).` };
  }
  const result = schema.safeParse(parsed);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, problem: `it does not match the schema:\n${z.prettifyError(result.error)}` };
}
