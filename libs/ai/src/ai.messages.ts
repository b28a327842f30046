import { LatticeError } from '@lattice/core';
import { HttpException, HttpStatus } from '@nestjs/common';
import type { AiCapability, AiOperation } from './ai.interfaces';

/**
 * A call the app's configuration cannot serve (no provider in the chain can do the operation):
 * 501 Not Implemented, with the message naming the providers that could. It is not the
 * visitor's fault (not a 4xx) and not an outage that waiting would fix (not a 503).
 */
export class AiUnsupportedError extends HttpException {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
    readonly operation: AiOperation,
  ) {
    super(
      { statusCode: 501, error: 'Not Implemented', message, hint, code },
      HttpStatus.NOT_IMPLEMENTED,
    );
    this.name = 'AiUnsupportedError';
  }
}

/** A request refused before anything was sent (too long for the model, unknown model): 400. */
export class AiRequestError extends HttpException {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super({ statusCode: 400, error: 'Bad Request', message, hint, code }, HttpStatus.BAD_REQUEST);
    this.name = 'AiRequestError';
  }
}

/** The model kept answering something that is not what was asked (generateObject): 502. */
export class AiInvalidOutputError extends HttpException {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
    readonly text: string,
  ) {
    super({ statusCode: 502, error: 'Bad Gateway', message, hint, code }, HttpStatus.BAD_GATEWAY);
    this.name = 'AiInvalidOutputError';
  }
}

const list = (names: readonly string[]) => names.map((n) => `"${n}"`).join(', ');

/** Every error the AI hub raises on purpose: the thing, the cause, the fix. */
export const AiMessages = {
  unsupported: (
    operation: AiOperation,
    capability: AiCapability,
    chain: readonly string[],
    able: readonly string[],
  ) =>
    new AiUnsupportedError(
      'LATTICE_AI_UNSUPPORTED',
      `${capability} is not something the ${chain.length ? list(chain) : 'configured'} provider${chain.length === 1 ? '' : 's'} ${chain.length === 1 ? 'does' : 'do'} (ai.${operation}()); ` +
        (able.length ? `providers that can: ${list(able)}.` : 'no configured provider can.'),
      able.length
        ? `Call it with { provider: ${JSON.stringify(able[0])} }, or put ${list(able)} in AiModule's chain.`
        : capability === 'chat'
          ? 'Configure an OpenAI-compatible provider (AI_BASE_URL, AI_API_KEY, AI_MODEL): AiModule.forRoot({ providers: [{ name: "openai", type: "openai", baseURL, apiKey }, { name: "offline", type: "offline" }] }).'
          : `Add a provider that can do ${capability} to AiModule.forRoot({ providers }).`,
      operation,
    ),
  providerUnknown: (name: string, configured: readonly string[]) =>
    new LatticeError(
      'LATTICE_AI_PROVIDER_UNKNOWN',
      `The AI provider "${name}" is not configured. Configured: ${list(configured)}.`,
      'Check the name, or add it to AiModule.forRoot({ providers: [{ name, type, … }] }).',
    ),
  contextTooLong: (model: string, estimated: number, contextTokens: number) =>
    new AiRequestError(
      'LATTICE_AI_CONTEXT_TOO_LONG',
      `The request is too long for the model "${model}": about ${estimated} tokens (estimated as characters / 4, answer tokens included) for a context of ${contextTokens}.`,
      'Shorten the messages (summarize or drop older ones), lower maxTokens, or use a model with a larger contextTokens.',
    ),
  noInput: (operation: AiOperation) =>
    new AiRequestError(
      'LATTICE_AI_NO_INPUT',
      `ai.${operation}() was given nothing to send: no messages and no prompt.`,
      'Pass { prompt: "…" } or { messages: [{ role: "user", content: "…" }] }.',
    ),
  invalidObject: (provider: string, attempts: number, problem: string, text: string) =>
    new AiInvalidOutputError(
      'LATTICE_AI_INVALID_OBJECT',
      `The provider "${provider}" answered no valid object in ${attempts} attempt(s): ${problem}`,
      'Simplify the schema, describe the fields in the prompt, raise retries, or use a stronger model.',
      text,
    ),
  allFailed: (providers: readonly string[], reason: string) => ({
    service:
      providers.length === 1
        ? `The AI provider ${list(providers)}`
        : `Every AI provider of the chain (${list(providers)})`,
    reason,
  }),
  streamIteratedTwice: () =>
    new LatticeError(
      'LATTICE_AI_STREAM_ITERATED',
      'This AI stream was already iterated: its chunks can be read once.',
      'Keep the chunks as you read them, or await stream.response for the whole text.',
    ),
  cancelled: (reason: string) =>
    new LatticeError(
      'LATTICE_AI_CANCELLED',
      `The AI call was cancelled: ${reason}.`,
      'Nothing to fix: the caller stopped it.',
    ),
};
