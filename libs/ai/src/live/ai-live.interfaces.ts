import type { AiTextResponse } from '../ai.interfaces';

/** Where a streamed answer is: `idle` before any, then `streaming` until it ends one of three ways. */
export type AiLiveTextStatus = 'idle' | 'streaming' | 'done' | 'cancelled' | 'failed';

/**
 * A streamed answer as a live component's state holds it. The text is kept in pieces, one per
 * tick, so that the page's diff carries only the new piece (a list insert) and never the whole
 * text again: render it with `${aiText(answer)}`.
 */
export interface AiLiveText {
  /** The stream's id; '' before the first one. */
  readonly id: string;
  readonly status: AiLiveTextStatus;
  /** The text so far, one piece per tick (chunks that arrived within one tick are joined). */
  readonly pieces: readonly string[];
  /** Why it failed (a message fit for the page), when `status` is `failed`. */
  readonly error?: string;
  /** Who answered, tokens and cost, once it ended (`done` or `cancelled`). */
  readonly response?: AiLiveTextResponse;
}

/** The part of the answer's `AiTextResponse` a page may show (no flags, no fallbacks). */
export type AiLiveTextResponse = Pick<
  AiTextResponse,
  'provider' | 'model' | 'usage' | 'cost' | 'cached' | 'finishReason' | 'latencyMs'
>;

/** Options of `AiLiveModule.forRoot()`. */
export interface AiLiveModuleOptions {
  /**
   * How often, at most, a streaming answer sends a piece to its page, in ms (default 40: about
   * 25 frames a second, below what a reader notices, and one frame for all the tokens between).
   * The first piece leaves at once.
   */
  tickMs?: number;
  /**
   * A stream no page has shown for this long (the tab was closed and never came back) is
   * cancelled, so it stops costing tokens; in ms (default 60 000).
   */
  abandonAfterMs?: number;
  /** How long a finished answer is kept for a page that rejoins, in ms (default 300 000). */
  keepMs?: number;
}
