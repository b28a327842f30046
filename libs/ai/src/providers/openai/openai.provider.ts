import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { AiProviderError } from '../../ai.errors';
import type {
  AiCapability,
  AiOpenAiProviderOptions,
  AiProvider,
  AiTextResponse,
  AiTokenUsage,
  ProviderStreamEvent,
  ProviderTextRequest,
  ProviderTextResult,
} from '../../ai.interfaces';

/** Models used when neither the request nor a registered model names one. */
const DEFAULT_MODELS: Partial<Record<AiCapability, string>> = {
  chat: 'gpt-4o-mini',
  classify: 'gpt-4o-mini',
  summarize: 'gpt-4o-mini',
  embed: 'text-embedding-3-small',
  moderate: 'omni-moderation-latest',
};

/**
 * Any OpenAI-compatible server (OpenAI, Azure's OpenAI endpoint, Ollama, vLLM, LM Studio)
 * through the official `openai` client: chat, streams (with the usage chunk), embeddings,
 * moderation, and classification and summaries asked of the chat model as JSON. The client's
 * own retries are off (the manager retries, with backoff, and falls back); its deadline is the
 * manager's signal.
 */
export class OpenAiProvider implements AiProvider {
  readonly name: string;
  readonly capabilities: readonly AiCapability[] = [
    'chat',
    'embed',
    'moderate',
    'classify',
    'summarize',
  ];
  readonly defaultModels: Partial<Record<AiCapability, string>>;
  /** The raw client, for what the manager does not cover (files, images…). */
  readonly client: OpenAI;

  constructor(options: Omit<AiOpenAiProviderOptions, 'type'>) {
    this.name = options.name;
    this.defaultModels = { ...DEFAULT_MODELS, ...options.defaultModels };
    this.client = new OpenAI({
      baseURL: options.baseURL,
      // Local servers (Ollama, LM Studio) take any key; the client refuses to start without one.
      apiKey: options.apiKey || 'none',
      maxRetries: 0,
      // The manager's per-attempt deadline aborts the request; this is only a backstop.
      timeout: 10 * 60_000,
    });
  }

  async generate(request: ProviderTextRequest, signal: AbortSignal): Promise<ProviderTextResult> {
    try {
      const completion = await this.client.chat.completions.create(
        { ...this.chatParams(request), stream: false },
        { signal },
      );
      const choice = completion.choices[0];
      if (!choice) throw new AiProviderError(this.name, 'server', 'the answer has no choices');
      return {
        text: choice.message.content ?? '',
        usage: usageOf(completion.usage),
        finishReason: finishReasonOf(choice.finish_reason),
      };
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async *stream(
    request: ProviderTextRequest,
    signal: AbortSignal,
  ): AsyncIterable<ProviderStreamEvent> {
    let stream;
    try {
      stream = await this.client.chat.completions.create(
        { ...this.chatParams(request), stream: true, stream_options: { include_usage: true } },
        { signal },
      );
    } catch (error) {
      throw this.mapError(error);
    }
    let complete = false;
    try {
      for await (const chunk of stream) {
        if (chunk.usage) yield { type: 'usage', usage: usageOf(chunk.usage) };
        const choice = chunk.choices[0];
        if (!choice) continue;
        if (choice.delta?.content) yield { type: 'text', text: choice.delta.content };
        if (choice.finish_reason)
          yield { type: 'finish', finishReason: finishReasonOf(choice.finish_reason) };
      }
      complete = true;
    } catch (error) {
      throw this.mapError(error);
    } finally {
      // A consumer that stops early (cancel) must not leave the HTTP request open.
      if (!complete && !signal.aborted) stream.controller.abort();
    }
  }

  async embed(
    request: { model: string; input: string[] },
    signal: AbortSignal,
  ): Promise<{ embeddings: number[][]; usage: AiTokenUsage }> {
    try {
      // The client asks for base64 and decodes it into numbers.
      const result = await this.client.embeddings.create(
        { model: request.model, input: request.input },
        { signal },
      );
      const embeddings = [...result.data]
        .sort((a, b) => a.index - b.index)
        .map((item) => Array.from(item.embedding));
      const prompt = result.usage?.prompt_tokens ?? 0;
      return {
        embeddings,
        usage: { promptTokens: prompt, completionTokens: 0, totalTokens: prompt },
      };
    } catch (error) {
      throw this.mapError(error);
    }
  }

  async moderate(
    request: { model: string; text: string },
    signal: AbortSignal,
  ): Promise<{ flagged: boolean; categories: Record<string, number> }> {
    try {
      const result = await this.client.moderations.create(
        { model: request.model, input: request.text },
        { signal },
      );
      const first = result.results[0];
      return {
        flagged: first?.flagged ?? false,
        categories: { ...(first?.category_scores as unknown as Record<string, number>) },
      };
    } catch (error) {
      throw this.mapError(error);
    }
  }

  /** Asks the chat model to pick one label, as JSON; an answer outside the labels is invalid output. */
  async classify(
    request: { model: string; text: string; labels: string[] },
    signal: AbortSignal,
  ): Promise<{ label: string; scores: Record<string, number> }> {
    const answer = await this.askJson(
      request.model,
      'Classify the text into exactly one of these labels: ' +
        JSON.stringify(request.labels) +
        '. Answer with a JSON object {"label": "<one of the labels>", "scores": {"<label>": <0..1>, …}}.',
      request.text,
      signal,
    );
    const label = typeof answer.label === 'string' ? answer.label : '';
    if (!request.labels.includes(label))
      throw new AiProviderError(
        this.name,
        'invalid_output',
        `the model answered the label ${JSON.stringify(label)}, not one of ${request.labels.join(', ')}`,
      );
    const given = (answer.scores ?? {}) as Record<string, unknown>;
    const scores = Object.fromEntries(
      request.labels.map((l) => [
        l,
        typeof given[l] === 'number' ? (given[l] as number) : l === label ? 1 : 0,
      ]),
    );
    return { label, scores };
  }

  async summarize(
    request: { model: string; text: string; sentences: number },
    signal: AbortSignal,
  ): Promise<{ summary: string }> {
    const answer = await this.askJson(
      request.model,
      `Summarize the text in at most ${request.sentences} sentence(s). Answer with a JSON object {"summary": "…"}.`,
      request.text,
      signal,
    );
    if (typeof answer.summary !== 'string')
      throw new AiProviderError(this.name, 'invalid_output', 'the answer has no "summary" string');
    return { summary: answer.summary };
  }

  async close(): Promise<void> {
    // The client holds no sockets of its own beyond fetch's pool; nothing to close.
  }

  private async askJson(
    model: string,
    instruction: string,
    text: string,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    const result = await this.generate(
      {
        model,
        json: true,
        temperature: 0,
        messages: [
          { role: 'system', content: instruction },
          { role: 'user', content: text },
        ],
      },
      signal,
    );
    try {
      const parsed: unknown = JSON.parse(result.text);
      if (parsed && typeof parsed === 'object') return parsed as Record<string, unknown>;
    } catch {
      // reported below
    }
    throw new AiProviderError(
      this.name,
      'invalid_output',
      `the model did not answer a JSON object: ${result.text.slice(0, 80)}`,
    );
  }

  private chatParams(request: ProviderTextRequest) {
    return {
      model: request.model,
      messages: request.messages,
      ...(request.temperature !== undefined && { temperature: request.temperature }),
      // max_tokens, not max_completion_tokens: the one every compatible server understands.
      ...(request.maxTokens !== undefined && { max_tokens: request.maxTokens }),
      ...(request.topP !== undefined && { top_p: request.topP }),
      ...(request.stop && { stop: request.stop }),
      ...(request.json && { response_format: { type: 'json_object' as const } }),
      ...(request.user && { user: request.user }),
    };
  }

  /** The client's errors as the kinds the manager acts on. */
  private mapError(error: unknown): unknown {
    if (error instanceof AiProviderError) return error;
    if (error instanceof APIUserAbortError)
      return new AiProviderError(this.name, 'network', 'the request was aborted', { cause: error });
    if (error instanceof APIConnectionTimeoutError)
      return new AiProviderError(this.name, 'timeout', 'no answer in time', { cause: error });
    if (error instanceof APIConnectionError)
      return new AiProviderError(this.name, 'network', connectionCause(error), { cause: error });
    if (error instanceof APIError) {
      const status = error.status;
      const details = { status, retryAfterMs: retryAfterMs(error.headers), cause: error };
      const message = error.message;
      if (status === 429) return new AiProviderError(this.name, 'rate_limit', message, details);
      if (status === 408) return new AiProviderError(this.name, 'timeout', message, details);
      if (status !== undefined && (status >= 500 || status === 409))
        return new AiProviderError(this.name, 'server', message, details);
      if (status !== undefined) return new AiProviderError(this.name, 'client', message, details);
      return new AiProviderError(this.name, 'server', message, details);
    }
    if (error instanceof SyntaxError)
      // The server answered 200 with a body that is not JSON: its fault, worth another try.
      return new AiProviderError(this.name, 'server', `malformed answer: ${error.message}`, {
        cause: error,
      });
    if (error instanceof Error && error.name === 'AbortError')
      return new AiProviderError(this.name, 'network', 'the request was aborted', { cause: error });
    return new AiProviderError(
      this.name,
      'network',
      error instanceof Error ? error.message : String(error),
      { cause: error },
    );
  }
}

function usageOf(
  usage:
    | { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number }
    | null
    | undefined,
): AiTokenUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const completion = usage?.completion_tokens ?? 0;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: usage?.total_tokens ?? prompt + completion,
  };
}

function finishReasonOf(reason: string | null | undefined): AiTextResponse['finishReason'] {
  return reason === 'stop' || reason === 'length' || reason === 'content_filter' ? reason : 'other';
}

/** The deepest cause's code (`ECONNREFUSED`), under fetch's "fetch failed". */
function connectionCause(error: APIConnectionError): string {
  let cause: unknown = error.cause;
  let text = error.message;
  for (let depth = 0; cause && depth < 5; depth++) {
    const { code, message } = cause as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return code;
    if (typeof message === 'string') text = message;
    cause = (cause as { cause?: unknown }).cause;
  }
  return text;
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
