import { AiModule, type AiModuleOptions } from '@lattice/ai';
import { LatticeConfig } from '@lattice/core';
import { forumConfigShape } from '../forum.config';

/** The provider names the Forum registers. */
export const OFFLINE = 'offline';
export const ASSISTANT = 'assistant';

/**
 * The cluster capability of a node whose AI_BASE_URL is set: it reaches the configured AI server
 * (a local model, a key only some nodes have). Long work for that server is routed to such nodes
 * (`@lattice/cluster/queue`, decision 0047).
 */
export const AI_CAPABILITY = 'ai';

/** The queue of the Forum's routed AI work. */
export const AI_ROUTED_QUEUE = 'ai';

/** The injection token of ForumAiSettings. */
export const FORUM_AI_SETTINGS = 'forum:ai:settings';

/** What the Forum's AI configuration comes to, from AI_BASE_URL, AI_API_KEY and AI_MODEL. */
export interface ForumAiSettings {
  /** An OpenAI-compatible server is configured: the assistant is offered on /ask. */
  assistant: boolean;
  /** The assistant's chat model. */
  model: string;
}

export function forumAiSettings(config: LatticeConfig<typeof forumConfigShape>): ForumAiSettings {
  return { assistant: Boolean(config.get('AI_BASE_URL')), model: config.get('AI_MODEL') };
}

/** What this node advertises to the cluster: `ai` when it has an AI server (AI_BASE_URL). */
export function forumCapabilities(config: LatticeConfig<typeof forumConfigShape>): string[] {
  return config.get('AI_BASE_URL') ? [AI_CAPABILITY] : [];
}

/**
 * The AI module's options: the offline provider alone (no key, no network), or with AI_BASE_URL
 * an OpenAI-compatible server in front of it, so that what the offline provider also does
 * (moderation, embeddings) falls back to it when the server fails. Chat has no fallback: the
 * offline provider does not pretend to be an LLM.
 */
export function forumAiOptions(config: LatticeConfig<typeof forumConfigShape>): AiModuleOptions {
  const offline = { name: OFFLINE, type: 'offline' as const };
  const baseURL = config.get('AI_BASE_URL');
  if (!baseURL) return { providers: [offline] };
  const model = config.get('AI_MODEL');
  return {
    providers: [
      {
        name: ASSISTANT,
        type: 'openai',
        baseURL,
        // The client refuses an empty key; local servers (Ollama, LM Studio) ignore it.
        apiKey: config.get('AI_API_KEY') || 'none',
        defaultModels: { chat: model },
      },
      offline,
    ],
    chain: [ASSISTANT, OFFLINE],
    models: [{ name: model, provider: ASSISTANT, capabilities: ['chat'] }],
  };
}

/** `AiModule` configured from the environment (see forum.config.ts). */
export function forumAi() {
  return AiModule.forRootAsync({
    inject: [LatticeConfig],
    useFactory: (config: LatticeConfig<typeof forumConfigShape>) => forumAiOptions(config),
  });
}
