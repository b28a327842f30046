import type { AiLiveText } from './ai-live.interfaces';

const IDLE: AiLiveText = Object.freeze({ id: '', status: 'idle', pieces: Object.freeze([]) });

/** The value a `@StreamInto()` field starts with in `mount()`: no answer yet. */
export function aiLiveText(): AiLiveText {
  return IDLE;
}

/**
 * What a template renders for a streamed answer: its pieces as a list, so that each tick's diff
 * is one list insert carrying the new text only (`${aiText(answer)}`).
 */
export function aiText(value: AiLiveText | undefined): readonly string[] {
  return value?.pieces ?? [];
}

/** The whole text so far, as one string (for code; templates render `aiText()`). */
export function aiTextOf(value: AiLiveText | undefined): string {
  return value?.pieces.join('') ?? '';
}
