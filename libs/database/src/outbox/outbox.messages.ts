import { LatticeError } from '@lattice/core';

/** Every error the outbox raises on purpose: the thing, the cause, the fix. */
export const OutboxMessages = {
  topicInvalid: (topic: unknown) =>
    new LatticeError(
      'LATTICE_OUTBOX_TOPIC_INVALID',
      `Outbox topic ${JSON.stringify(topic)} is not valid.`,
      'Use 1 to 100 letters, digits or ".:_-", the same name the handler is registered under.',
    ),
  payloadNotJson: (topic: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_OUTBOX_PAYLOAD_NOT_JSON',
      `The outbox payload for "${topic}" is not JSON data (${String(cause)}).`,
      'Store plain data (numbers, strings, arrays, objects); the relay reads it back with JSON.parse.',
    ),
  handlerTwice: (topic: string) =>
    new LatticeError(
      'LATTICE_OUTBOX_HANDLER_TWICE',
      `Two outbox handlers were registered for "${topic}".`,
      'Register one handler per topic (each library registers its own topic once).',
    ),
} as const;
