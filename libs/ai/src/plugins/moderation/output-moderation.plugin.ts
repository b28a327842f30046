import { Inject, Logger, Optional, type Provider } from '@nestjs/common';
import { getAiToken } from '../../ai.constants';
import type {
  AiCall,
  AiFlag,
  AiModerateResponse,
  AiOperation,
  AiPluginHooks,
  AIResponse,
  AiTextInputRequest,
} from '../../ai.interfaces';
import { AiPlugin } from '../ai-plugin.decorator';

/** What the plugin needs of the AI manager: its `moderate` operation. */
export interface AiModerator {
  moderate(request: AiTextInputRequest): Promise<AiModerateResponse>;
}

/** `OutputModerationPlugin` options. */
export interface OutputModerationOptions {
  /** The flag on flagged output: `block` (default) or `warn`. The caller decides what it means. */
  severity?: Exclude<AiFlag['severity'], 'info'>;
  /**
   * The provider (or chain) that moderates; default the app's chain, whose first provider with
   * the `moderate` capability answers (the offline provider has a heuristic one).
   */
  provider?: string | string[];
  /** Operations whose output is checked (default generate, stream, generateObject). */
  operations?: AiOperation[];
  /**
   * When moderation itself fails: `false` (default) lets the output through with an `info` flag
   * saying it was not checked; `true` flags it `block`.
   */
  failClosed?: boolean;
}

/** The injection token of `OutputModerationPlugin`'s options (or use `OutputModerationPlugin.configure`). */
export const OUTPUT_MODERATION_OPTIONS = Symbol('lattice:ai:output-moderation-options');

const SOURCE = 'OutputModerationPlugin';

/**
 * Checks the text a model wrote (a generated answer, a stream's final text, an object's JSON)
 * with the manager's `moderate` operation, and flags flagged output on `response.flags`
 * (`block` by default): the answer still reaches the caller, who decides (the Forum holds a
 * flagged post for moderators). Order 80: after the request-side plugins, before the logger.
 * Opt in with `providers: [OutputModerationPlugin]` or
 * `OutputModerationPlugin.configure({ severity: 'warn', provider: 'openai' })`.
 */
@AiPlugin({ order: 80 })
export class OutputModerationPlugin implements AiPluginHooks {
  private readonly logger = new Logger('AI');
  private readonly severity: Exclude<AiFlag['severity'], 'info'>;
  private readonly operations: readonly AiOperation[];
  private readonly failures = new Set<string>();

  constructor(
    @Inject(getAiToken()) private readonly ai: AiModerator,
    @Optional()
    @Inject(OUTPUT_MODERATION_OPTIONS)
    private readonly options: OutputModerationOptions = {},
  ) {
    this.severity = options.severity ?? 'block';
    this.operations = options.operations ?? ['generate', 'stream', 'generateObject'];
  }

  /** A provider of the plugin with these options, for a module's `providers`. */
  static configure(options: OutputModerationOptions): Provider {
    return {
      provide: OutputModerationPlugin,
      useFactory: (ai: AiModerator) => new OutputModerationPlugin(ai, options),
      inject: [getAiToken()],
    };
  }

  async afterResponse(call: AiCall, response: AIResponse): Promise<void> {
    if (!this.operations.includes(call.operation)) return;
    const text = (response as { text?: unknown }).text;
    if (typeof text !== 'string' || text.trim() === '') return;
    const flag = await this.check(text, { user: call.user, metadata: { call: call.id } });
    if (flag) response.flags.push(flag);
  }

  /**
   * Moderates any text with this plugin's settings (provider, severity, failClosed): the flag
   * to raise, or undefined when the text is clean. For what people write rather than models
   * (the Forum checks new posts with it), so that one configuration decides both.
   *
   * @example
   * const flag = await moderation.check(post.body, { user: String(author.id) });
   * if (flag?.severity === 'block') post.status = 'held';
   */
  async check(
    text: string,
    options: { user?: string; metadata?: Record<string, string> } = {},
  ): Promise<AiFlag | undefined> {
    let verdict: AiModerateResponse;
    try {
      verdict = await this.ai.moderate({
        text,
        provider: this.options.provider,
        user: options.user,
        metadata: { ...options.metadata, source: SOURCE },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Once per distinct reason: a provider that is down would otherwise log on every call.
      if (!this.failures.has(reason)) {
        this.failures.add(reason);
        this.logger.warn(
          `Moderation failed, ${this.options.failClosed ? 'blocking' : 'letting'} text through: ${reason}`,
        );
      }
      return {
        plugin: SOURCE,
        reason: `not moderated (${reason})`,
        severity: this.options.failClosed ? 'block' : 'info',
      };
    }
    if (!verdict.flagged) return undefined;
    const categories = Object.entries(verdict.categories)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([name, score]) => `${name} ${score.toFixed(2)}`);
    return {
      plugin: SOURCE,
      reason: `flagged by moderation${categories.length ? ` (${categories.join(', ')})` : ''}`,
      severity: this.severity,
    };
  }
}
