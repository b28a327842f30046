import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AiCall, AiMessage, AIRequest, AiTextRequest } from '../ai.interfaces';

/** Bumped when the key layout changes, so an upgrade never reads entries of the old layout. */
const LAYOUT = 'v1';

/**
 * Request fields that do not change the answer: who asked, labels, deadlines, the cache's own
 * settings, the retry count of `generateObject`. `provider` is replaced by the call's resolved
 * chain and `schema` by its JSON shape; `prompt`/`system` are folded into `messages`.
 */
const IGNORED = new Set([
  'user',
  'metadata',
  'signal',
  'timeoutMs',
  'cache',
  'retries',
  'provider',
  'schema',
  'prompt',
  'system',
  'messages',
]);

/** Whitespace `normalizeText` would change: CR, a run, a tab, space at a line's ends, 3+ breaks, the ends. */
const UNTIDY = /\r|[^\S\n]{2}|[^\S \n]| \n|\n |\n{3}|^\s|\s$/;

const schemaShapes = new WeakMap<object, string>();
let unrepresentable = 0;

/**
 * Whitespace that does not change a prompt's meaning: runs of spaces and tabs become one space,
 * lines are trimmed, three or more line breaks become two (a paragraph break), the ends are
 * trimmed. Single and double line breaks are kept: they carry meaning in code and lists.
 */
export function normalizeText(text: string): string {
  // Most prompts are already tidy: one test instead of five replacements (the hit path's cost).
  if (!UNTIDY.test(text)) return text;
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The conversation a text request stands for: `prompt`/`system` and `messages` alike. */
export function messagesOf(request: AiTextRequest): AiMessage[] {
  const messages: AiMessage[] = [];
  if (request.system !== undefined) messages.push({ role: 'system', content: request.system });
  if (request.messages) messages.push(...request.messages);
  if (request.prompt !== undefined) messages.push({ role: 'user', content: request.prompt });
  return messages;
}

/**
 * The model a call's key names: the request's, else the default of the chain's first provider
 * (named by the provider, so a changed default in a provider's options is a miss, not a stale hit
 * … once the manager writes the resolved model into the request, which it may).
 */
export function modelOf(call: AiCall): string {
  return call.request.model ?? `default@${call.chain[0] ?? ''}`;
}

/**
 * The cache key of a call: a SHA-256 of its normalized request (model, operation, messages,
 * the parameters that change the answer, the schema's shape, the provider chain). Identical
 * requests get one key whoever sends them; `user`, `metadata`, `signal` and `timeoutMs` are not
 * part of it.
 */
export function responseKey(call: AiCall): string {
  const request = call.request as AIRequest & Partial<AiTextRequest> & { schema?: z.ZodType };
  const parameters: Record<string, unknown> = {};
  for (const name of Object.keys(request).sort()) {
    const value = (request as Record<string, unknown>)[name];
    if (IGNORED.has(name) || value === undefined) continue;
    parameters[name] = typeof value === 'string' ? normalizeText(value) : value;
  }
  const isText = 'messages' in request || 'prompt' in request || 'system' in request;
  const normalized = {
    operation: call.operation,
    model: modelOf(call),
    chain: call.chain,
    messages: isText
      ? messagesOf(request).map((m) => ({ role: m.role, content: normalizeText(m.content) }))
      : undefined,
    schema: request.schema ? schemaShape(request.schema) : undefined,
    parameters,
  };
  return `ai:${LAYOUT}:${call.operation}:${digest(JSON.stringify(normalized))}`;
}

/** The key of one embedded text: the model and the exact text (an embedding is deterministic). */
export function embeddingKey(model: string, text: string): string {
  return `ai:${LAYOUT}:embedding:${digest(`${model}\u0000${text}`)}`;
}

function digest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/** A zod schema as JSON Schema text (computed once per schema object). */
function schemaShape(schema: z.ZodType): string {
  let shape = schemaShapes.get(schema);
  if (shape === undefined) {
    try {
      shape = JSON.stringify(z.toJSONSchema(schema, { unrepresentable: 'any' }));
    } catch {
      // A schema JSON Schema cannot express (a transform's output): keyed by identity, so it
      // still hits in this process, never across processes (where it could be another shape).
      shape = `identity:${++unrepresentable}`;
    }
    schemaShapes.set(schema, shape);
  }
  return shape;
}
