import { liveConfigShape } from '@lattice/live';
import { securityConfigShape } from '@lattice/security';
import { z } from 'zod';

/** The Forum's own variables, validated at boot with Lattice's. */
export const forumConfigShape = {
  // JWT_SECRET (a random one per process in development) and ENCRYPTION_KEYS.
  ...securityConfigShape,
  // LIVE_SECRET: required with NODE_ENV=production; a random one per process in development.
  ...liveConfigShape,
  FORUM_SEED_ON_START: z
    .enum(['auto', 'always', 'never'], { error: 'not one of auto, always, never' })
    .default('auto')
    .describe(
      'auto (seed an empty SQLite database at start, except in production), always, or never',
    ),
  QUEUE_WORKERS: z
    .enum(['on', 'off'], { error: 'not one of on, off' })
    .default('on')
    .describe('on: the web process runs queue workers; off: leave them to `lattice queue:work`'),
  // The AI features (decision 0037): the offline provider alone by default (no key, no network);
  // AI_BASE_URL adds an OpenAI-compatible server in front of it, and the assistant on /ask.
  AI_BASE_URL: z
    .url({
      error: 'not a URL (for example https://api.openai.com/v1 or http://localhost:11434/v1)',
    })
    .optional()
    .describe(
      'an OpenAI-compatible server (OpenAI, Azure, Ollama, vLLM, LM Studio): turns on the assistant; unset = offline only',
    ),
  AI_API_KEY: z
    .string()
    .optional()
    .describe('the key of AI_BASE_URL (local servers such as Ollama need none)'),
  AI_MODEL: z
    .string()
    .min(1)
    .default('gpt-4o-mini')
    .describe('the chat model of AI_BASE_URL the assistant uses'),
  HTTP_PLATFORM: z
    .enum(['express', 'fastify'], { error: 'not one of express, fastify' })
    .default('express')
    .describe('express or fastify: the HTTP platform main.ts builds the Forum on'),
};
