import { liveConfigShape } from '@lattice/live';
import { securityConfigShape } from '@lattice/security';
import { z } from 'zod';

/** A whole number of at least `min`, read from the environment, with its default. */
function count(min: number, fallback: number, description: string) {
  return z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(min, { error: `below ${min}` })
    .default(fallback)
    .describe(description);
}

/**
 * The Forum's limits (decision 0038): every one comes from here, so a load test from one
 * address, or a busier site, raises them without editing code. Defaults are the values the
 * code had.
 */
export const forumLimitsShape = {
  RATE_LIMIT_IP_PER_MINUTE: count(
    1,
    300,
    'HTTP requests a minute per route from one address before 429, e.g. 300',
  ),
  RATE_LIMIT_USER_PER_MINUTE: count(
    1,
    60,
    'HTTP requests a minute per route from one logged-in user before 429, e.g. 60',
  ),
  WRITE_LIMIT_QUESTIONS_PER_MINUTE: count(
    1,
    5,
    'questions a member may ask a minute (HTTP and live pages), e.g. 5',
  ),
  WRITE_LIMIT_ANSWERS_PER_MINUTE: count(
    1,
    10,
    'answers a member may post a minute (HTTP and live pages), e.g. 10',
  ),
  WRITE_LIMIT_VOTES_PER_MINUTE: count(
    1,
    60,
    'votes a member may cast a minute (HTTP and live pages), e.g. 60',
  ),
  LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: count(
    1,
    5,
    'failed logins to one account within LOGIN_LOCK_SECONDS before it is locked, e.g. 5',
  ),
  LOGIN_MAX_ATTEMPTS_PER_IP: count(
    1,
    20,
    'failed logins from one address within LOGIN_LOCK_SECONDS before it is locked, e.g. 20',
  ),
  LOGIN_LOCK_SECONDS: count(
    1,
    900,
    'seconds failed logins are counted over, and how long a lock lasts, e.g. 900',
  ),
  SOCKET_MAX_CONNECTIONS_PER_USER: count(
    0,
    10,
    'open WebSocket connections per user on one node (0 = no limit), e.g. 10',
  ),
  SOCKET_USER_MESSAGES_PER_SECOND: count(
    1,
    120,
    'WebSocket messages a second per user across their connections, e.g. 120',
  ),
};

/**
 * How this process takes part in the cluster (decision 0046): ClusterModule's options from the
 * environment, so a deployment tunes them without editing code. Defaults are the library's.
 */
export const forumClusterShape = {
  CLUSTER_ROLE: z
    .enum(['web', 'worker'], { error: 'not one of web, worker' })
    .default('web')
    .describe(
      'web (serves HTTP and WebSockets) or worker (runs queue workers only), as the cluster lists it',
    ),
  CLUSTER_HEARTBEAT_MS: count(
    100,
    1000,
    'how often this node writes its heartbeat to Redis, in ms, e.g. 1000',
  ),
  CLUSTER_TTL_MS: z.coerce
    .number({ error: 'not a number' })
    .int({ error: 'not a whole number' })
    .min(300, { error: 'below 300' })
    .optional()
    .describe(
      'a node silent this long is dropped by the others, in ms (default 5000, at least 3 × CLUSTER_HEARTBEAT_MS)',
    ),
};

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
  ...forumLimitsShape,
  ...forumClusterShape,
};
