import { LatticeError } from '@lattice/core';

/** Every error `@lattice/ai/live` raises on purpose: the thing, the cause, the fix. */
export const AiLiveMessages = {
  notBound: (component: string, field: string) =>
    new LatticeError(
      'LATTICE_AI_LIVE_NOT_BOUND',
      `Live component "${component}" streamed into "${field}", a field no @StreamInto() declares (or AiLiveModule is not imported).`,
      `Put @StreamInto('${field}') on the component class (or on the handler that returns the stream), and import AiLiveModule from @lattice/ai/live next to LiveModule.`,
    ),
  outsideEvent: (what: string) =>
    new LatticeError(
      'LATTICE_AI_LIVE_OUTSIDE_EVENT',
      `LiveAiStreams.${what}() was called outside a live component's handler, so there is no page to stream into.`,
      'Call it from an @On() handler (or onPublish) of a component with @StreamInto(); from elsewhere, publish to the component with LiveUpdates.',
    ),
  notAStream: (component: string, method: string, value: unknown) =>
    new LatticeError(
      'LATTICE_AI_LIVE_NOT_A_STREAM',
      `${component}.${method}() has @StreamInto() but returned ${value === null ? 'null' : typeof value}, not an AiStream.`,
      'Return the stream: `return this.ai.stream({ prompt })` (or undefined to stream nothing).',
    ),
  optionInvalid: (option: string, value: unknown, range: string) =>
    new LatticeError(
      'LATTICE_AI_LIVE_OPTION_INVALID',
      `AiLiveModule option ${option} is ${JSON.stringify(value)}; it must be ${range}.`,
      `Give ${option} ${range}, or leave it out for the default.`,
    ),
};
