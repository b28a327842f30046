/**
 * When a draining node hands its connections over (docs/decisions/0044-draining-a-node.md):
 * each connection gets a moment in the window to be told to reconnect, and a jittered delay
 * before it does, so the other nodes see the reconnections arrive spread out, not all at once.
 */

/** The window a node spreads its handovers over, unless `drainWindowMs` says otherwise. */
export const DEFAULT_DRAIN_WINDOW_MS = 5_000;
/**
 * On average at least this far apart: a few connections need no spreading, and must not hold a
 * shutdown up for the whole window (200 connections use 4 s of it).
 */
export const HANDOVER_SPACING_MS = 20;
/** The longest a client waits after its hint before reconnecting. */
export const RECONNECT_JITTER_MS = 1_000;
/** How long a handed-over connection gets for the close handshake. */
export const CLOSE_HANDSHAKE_MS = 2_000;

/** One connection's turn: told at `atMs` after the handover begins; reconnects `afterMs` later. */
export interface Handover {
  atMs: number;
  afterMs: number;
}

/**
 * The turns of `count` connections over at most `windowMs`: one per equal slot, at a random
 * point inside it, each with a random reconnect delay below `RECONNECT_JITTER_MS` (and the window).
 */
export function handoverPlan(count: number, windowMs: number, random = Math.random): Handover[] {
  const spanMs = Math.max(0, Math.min(windowMs, count * HANDOVER_SPACING_MS));
  const slotMs = count > 0 ? spanMs / count : 0;
  const jitterMs = Math.max(0, Math.min(RECONNECT_JITTER_MS, windowMs));
  return Array.from({ length: count }, (_, i) => ({
    atMs: Math.floor(i * slotMs + random() * slotMs),
    afterMs: Math.floor(random() * jitterMs),
  }));
}
