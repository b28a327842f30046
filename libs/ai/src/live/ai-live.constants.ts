/** Metadata key of `@StreamInto()`: the state fields a component streams answers into. */
export const AI_LIVE_STREAM_METADATA = 'lattice:ai:live:stream-into';

/** Where a mounted component's state keeps its slot (a symbol: never rendered or saved). */
export const AI_LIVE_SLOT = Symbol('lattice.ai.live.slot');

/** Live sessions' topic of one streamed answer: the components showing it follow it. */
export const AI_LIVE_TOPIC_PREFIX = 'lattice.ai.stream:';

/** The options token of `AiLiveModule.forRoot()`. */
export const AI_LIVE_OPTIONS = Symbol('lattice:ai:live:options');
