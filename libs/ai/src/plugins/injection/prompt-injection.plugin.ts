import { Inject, Optional, type Provider } from '@nestjs/common';
import type {
  AiCall,
  AiFlag,
  AiMessage,
  AiOperation,
  AiPluginHooks,
  AiTextRequest,
} from '../../ai.interfaces';
import { AiPlugin } from '../ai-plugin.decorator';
import { INJECTION_PATTERNS, type InjectionPattern } from './prompt-injection.patterns';

/** `PromptInjectionPlugin` options. */
export interface PromptInjectionOptions {
  /**
   * `warn` (default) marks the call and lets it run; `block` refuses it before it is sent
   * (`AiCallRefusedError`, 422).
   */
  severity?: AiFlag['severity'];
  /** Operations checked (default the ones a model reads as instructions: generate, stream, generateObject). */
  operations?: AiOperation[];
  /** Patterns added to the shipped ones. */
  patterns?: InjectionPattern[];
}

/** The injection token of `PromptInjectionPlugin`'s options (or use `PromptInjectionPlugin.configure`). */
export const PROMPT_INJECTION_OPTIONS = Symbol('lattice:ai:prompt-injection-options');

/**
 * Flags requests whose user text looks like a prompt injection or a jailbreak: "ignore previous
 * instructions", "you are now DAN", asking for the system prompt, role-play that drops the rules,
 * role markers (`system:`, `<|im_start|>`), base64 blobs that decode to text, hidden characters.
 * A heuristic, not a guarantee: it catches the common phrasings, and a determined attacker gets
 * past any list; keep the model's own permissions small.
 *
 * Only what users wrote is read (user messages and `prompt`; the app's system message is
 * trusted). Order 20: after `PiiRedactionPlugin`. Opt in with `providers: [PromptInjectionPlugin]`
 * or `PromptInjectionPlugin.configure({ severity: 'block' })`.
 */
@AiPlugin({ order: 20 })
export class PromptInjectionPlugin implements AiPluginHooks {
  private readonly severity: AiFlag['severity'];
  private readonly operations: readonly AiOperation[];
  private readonly patterns: readonly InjectionPattern[];

  constructor(@Optional() @Inject(PROMPT_INJECTION_OPTIONS) options: PromptInjectionOptions = {}) {
    this.severity = options.severity ?? 'warn';
    this.operations = options.operations ?? ['generate', 'stream', 'generateObject'];
    this.patterns = [...INJECTION_PATTERNS, ...(options.patterns ?? [])];
  }

  /** A provider of the plugin with these options, for a module's `providers`. */
  static configure(options: PromptInjectionOptions): Provider {
    return { provide: PromptInjectionPlugin, useValue: new PromptInjectionPlugin(options) };
  }

  /** The names of the patterns `text` matches (empty when it looks benign). */
  inspect(text: string): string[] {
    // NFKC folds full-width and other look-alike letters onto the plain ones.
    const normalized = text.normalize('NFKC');
    return this.patterns.filter((pattern) => pattern.test(normalized)).map((p) => p.name);
  }

  beforeRequest(call: AiCall): void {
    if (!this.operations.includes(call.operation)) return;
    const found = new Set<string>();
    for (const text of userTexts(call.request as AiTextRequest))
      for (const name of this.inspect(text)) found.add(name);
    if (found.size === 0) return;
    call.flags.push({
      plugin: 'PromptInjectionPlugin',
      reason: `possible prompt injection (${[...found].join(', ')})`,
      severity: this.severity,
    });
  }
}

function userTexts(request: AiTextRequest & { text?: unknown }): string[] {
  const texts: string[] = [];
  if (typeof request.prompt === 'string') texts.push(request.prompt);
  if (typeof request.text === 'string') texts.push(request.text);
  for (const message of (request.messages ?? []) as AiMessage[])
    if (message.role === 'user' && typeof message.content === 'string') texts.push(message.content);
  return texts;
}
