import { LatticeError } from './errors/lattice.error';

/**
 * Every error core raises is built here, so the wording stays consistent and each one
 * names the thing, the cause and the fix.
 */
export const LatticeMessages = {
  redisNotConfigured: (purpose: string) =>
    new LatticeError(
      'LATTICE_REDIS_NOT_CONFIGURED',
      `${purpose} needs Redis, but REDIS_URL is not set.`,
      'Set REDIS_URL (for example redis://127.0.0.1:6379), or leave the driver on "memory".',
    ),
  driverNeedsRedis: (part: string, driver: string) =>
    new LatticeError(
      'LATTICE_DRIVER_NEEDS_REDIS',
      `The ${part} driver is set to "${driver}", which needs Redis, but REDIS_URL is not set.`,
      `Set REDIS_URL, or remove the "${part}" override from LatticeModule.forRoot({ drivers }).`,
    ),
  redisConnectionsClosed: (name: string) =>
    new LatticeError(
      'LATTICE_REDIS_CLOSED',
      `Redis connection "${name}" was requested after the application shut down.`,
      'Do not use Redis connections from shutdown hooks that run after onApplicationShutdown.',
    ),
  pubSubTopicInvalid: (topic: string) =>
    new LatticeError(
      'LATTICE_PUBSUB_TOPIC_INVALID',
      `PubSub topic ${JSON.stringify(topic)} is not valid.`,
      'Use a non-empty name of letters, digits and . : _ - (for example "cache.invalidate").',
    ),
  pubSubMessageNotSerializable: (topic: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_PUBSUB_MESSAGE_INVALID',
      `The message published on "${topic}" cannot be serialised to JSON: ${cause instanceof Error ? cause.message : String(cause)}.`,
      'Publish plain data (objects, arrays, strings, numbers, booleans, null).',
    ),
};
