import { Inject, Logger, Optional, type Provider } from '@nestjs/common';
import type { AiCall, AiMessage, AiPluginHooks, AIResponse } from '../../ai.interfaces';
import { outcomeKind, outcomeTarget } from '../../usage/ai-call-outcome';
import { AiPlugin } from '../ai-plugin.decorator';

/** `AiLoggerPlugin` options. */
export interface AiLoggerOptions {
  /**
   * Add the request's user text and the answer (each cut to `contentLength` characters) to the
   * line. Off by default: prompts hold what users typed, logs are kept longer and read by more
   * people than the data.
   */
  logContents?: boolean;
  /** Characters of each content kept when `logContents` is on (default 200). */
  contentLength?: number;
  /** The Nest logger context (default `AI`). */
  context?: string;
}

/** The injection token of `AiLoggerPlugin`'s options (or use `AiLoggerPlugin.configure`). */
export const AI_LOGGER_OPTIONS = Symbol('lattice:ai:logger-options');

/**
 * One line per call through Nest's Logger: operation, provider and model, outcome, tokens, cost,
 * latency, cache, user and flags; errors and refusals as warnings. Never the messages or the
 * answer unless `logContents` is on. Order 1000: last, so it sees every other plugin's flags.
 * Opt in with `providers: [AiLoggerPlugin]` or `AiLoggerPlugin.configure({ logContents: true })`.
 *
 * @example
 * // [AI] generate openai/gpt-4o-mini ok 412 ms 96+41 tokens $0.000039 user=7 flags=PromptInjectionPlugin:warn
 */
@AiPlugin({ order: 1000 })
export class AiLoggerPlugin implements AiPluginHooks {
  private readonly logger: Logger;
  private readonly logContents: boolean;
  private readonly contentLength: number;

  constructor(@Optional() @Inject(AI_LOGGER_OPTIONS) options: AiLoggerOptions = {}) {
    this.logger = new Logger(options.context ?? 'AI');
    this.logContents = options.logContents ?? false;
    this.contentLength = options.contentLength ?? 200;
  }

  /** A provider of the plugin with these options, for a module's `providers`. */
  static configure(options: AiLoggerOptions): Provider {
    return { provide: AiLoggerPlugin, useValue: new AiLoggerPlugin(options) };
  }

  afterResponse(call: AiCall, response: AIResponse): void {
    const { usage } = response;
    const parts = [
      call.operation,
      `${response.provider}/${response.model}`,
      'ok',
      `${Math.round(response.latencyMs)} ms`,
      `${usage.promptTokens}+${usage.completionTokens} tokens`,
      `$${response.cost.toFixed(6)}`,
    ];
    if (response.cached) parts.push('cached');
    if (response.fallbacks.length)
      parts.push(`after ${response.fallbacks.map((f) => f.provider).join(',')}`);
    this.common(call, parts, response.flags);
    if (this.logContents) {
      parts.push(`in=${this.quote(requestText(call))}`);
      const text = (response as { text?: unknown }).text;
      if (typeof text === 'string') parts.push(`out=${this.quote(text)}`);
    }
    this.logger.log(parts.join(' '));
  }

  onError(call: AiCall, error: unknown): void {
    const { provider, model } = outcomeTarget({ call, error });
    const parts = [
      call.operation,
      `${provider}/${model}`,
      outcomeKind({ error }),
      `${Date.now() - call.startedAt} ms`,
    ];
    this.common(call, parts, call.flags);
    parts.push(`error=${JSON.stringify(error instanceof Error ? error.message : String(error))}`);
    if (this.logContents) parts.push(`in=${this.quote(requestText(call))}`);
    this.logger.warn(parts.join(' '));
  }

  private common(call: AiCall, parts: string[], flags: AIResponse['flags']): void {
    if (call.user !== undefined) parts.push(`user=${call.user}`);
    if (flags.length)
      parts.push(`flags=${flags.map((f) => `${f.plugin}:${f.severity}`).join(',')}`);
    parts.push(`call=${call.id}`);
  }

  private quote(text: string): string {
    const cut = text.length > this.contentLength ? `${text.slice(0, this.contentLength)}…` : text;
    return JSON.stringify(cut);
  }
}

function requestText(call: AiCall): string {
  const request = call.request as {
    messages?: AiMessage[];
    prompt?: string;
    text?: string;
    input?: string | string[];
  };
  if (request.prompt) return request.prompt;
  if (request.text) return request.text;
  if (request.input)
    return Array.isArray(request.input) ? request.input.join(' | ') : request.input;
  const last = request.messages?.filter((m) => m.role === 'user').at(-1);
  return last?.content ?? '';
}
