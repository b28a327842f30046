import { Inject, Optional, type Provider } from '@nestjs/common';
import type {
  AiCall,
  AiOperation,
  AiPluginHooks,
  AiStreamChunk,
  AIResponse,
} from '../../ai.interfaces';
import { AiPlugin } from '../ai-plugin.decorator';
import { PII_KINDS, PiiRedactor, partialPlaceholderLength, type PiiKind } from './pii-redactor';

/** `PiiRedactionPlugin` options. */
export interface PiiRedactionOptions {
  /** What to mask (default all: `email`, `phone`, `card`, `iban`). */
  kinds?: PiiKind[];
  /**
   * Put the masked values back into the answer (`text`, the strings of `object`, streamed
   * chunks), so that the caller reads "write to ana@example.com" where the model wrote
   * "write to [email 1]". Default `true`: the provider never sees the values either way.
   */
  restore?: boolean;
}

/** The injection token of `PiiRedactionPlugin`'s options (or use `PiiRedactionPlugin.configure`). */
export const PII_REDACTION_OPTIONS = Symbol('lattice:ai:pii-redaction-options');

const TEXT_OUTPUTS: readonly AiOperation[] = ['generate', 'stream', 'generateObject'];
const NAMES: Record<PiiKind, [string, string]> = {
  email: ['e-mail address', 'e-mail addresses'],
  phone: ['phone number', 'phone numbers'],
  card: ['card number', 'card numbers'],
  iban: ['IBAN', 'IBANs'],
};

interface CallState {
  redactor: PiiRedactor;
  /** The end of the last chunk that may be a placeholder cut in two. */
  held: string;
}

/**
 * Masks e-mail addresses, phone numbers (international and national formats), card numbers
 * (Luhn-checked) and IBANs (mod-97-checked) in every text of a request before it leaves the app:
 * messages, prompt and system, embedding inputs, texts to classify, moderate or summarize. Each
 * value becomes a numbered placeholder (`[email 1]`), the same value the same placeholder
 * throughout the call; the masked values are put back into the answer unless `restore: false`.
 * Raises an `info` flag saying what it masked. Order 10: it runs before the other shipped
 * plugins, so that they (and the logs) see masked text.
 *
 * Opt in by listing it in the app's providers: `providers: [PiiRedactionPlugin]`, or
 * `PiiRedactionPlugin.configure({ kinds: ['email', 'card'] })`.
 */
@AiPlugin({ order: 10 })
export class PiiRedactionPlugin implements AiPluginHooks {
  private readonly kinds: readonly PiiKind[];
  private readonly restore: boolean;
  private readonly calls = new WeakMap<AiCall, CallState>();

  constructor(@Optional() @Inject(PII_REDACTION_OPTIONS) options: PiiRedactionOptions = {}) {
    this.kinds = options.kinds ?? PII_KINDS;
    this.restore = options.restore ?? true;
  }

  /** A provider of the plugin with these options, for a module's `providers`. */
  static configure(options: PiiRedactionOptions): Provider {
    return { provide: PiiRedactionPlugin, useValue: new PiiRedactionPlugin(options) };
  }

  beforeRequest(call: AiCall): void {
    const redactor = new PiiRedactor(this.kinds);
    call.request = redactRequest(call.request, (text) => redactor.redact(text));
    if (redactor.empty) return;
    this.calls.set(call, { redactor, held: '' });
    const found = Object.entries(redactor.found)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${NAMES[kind as PiiKind][n === 1 ? 0 : 1]}`);
    call.flags.push({
      plugin: 'PiiRedactionPlugin',
      reason: `masked ${found.join(', ')} before sending`,
      severity: 'info',
    });
  }

  onChunk(call: AiCall, chunk: AiStreamChunk): AiStreamChunk | void {
    const state = this.restore ? this.calls.get(call) : undefined;
    if (!state) return;
    // A placeholder may arrive in two chunks ("[em", "ail 1]"): its start waits for the rest.
    const text = state.held + chunk.text;
    const cut = text.length - partialPlaceholderLength(text);
    state.held = text.slice(cut);
    return { ...chunk, text: state.redactor.restore(text.slice(0, cut)) };
  }

  afterResponse(call: AiCall, response: AIResponse): void {
    const state = this.calls.get(call);
    this.calls.delete(call);
    if (!state || !this.restore || !TEXT_OUTPUTS.includes(call.operation)) return;
    const output = response as AIResponse & { text?: unknown; object?: unknown };
    // A stream's text is built from the chunks as shown: the end held back joins it here.
    if (call.operation === 'stream' && typeof output.text === 'string') output.text += state.held;
    if (typeof output.text === 'string') output.text = state.redactor.restore(output.text);
    if (output.object !== undefined)
      output.object = mapStrings(output.object, (s) => state.redactor.restore(s));
  }

  onError(call: AiCall): void {
    this.calls.delete(call);
  }
}

/** The request with each of its texts passed through `redact` (a copy; the caller's is untouched). */
function redactRequest<R>(request: R, redact: (text: string) => string): R {
  const copy = { ...request } as Record<string, unknown>;
  if (Array.isArray(copy.messages)) {
    copy.messages = (copy.messages as { content: unknown }[]).map((message) =>
      typeof message.content === 'string'
        ? { ...message, content: redact(message.content) }
        : message,
    );
  }
  for (const field of ['prompt', 'system', 'text'] as const) {
    if (typeof copy[field] === 'string') copy[field] = redact(copy[field]);
  }
  if (typeof copy.input === 'string') copy.input = redact(copy.input);
  else if (Array.isArray(copy.input))
    copy.input = (copy.input as unknown[]).map((item) =>
      typeof item === 'string' ? redact(item) : item,
    );
  return copy as R;
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]),
    );
  }
  return value;
}
