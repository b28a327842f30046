import type { LatticeCache } from '@lattice/cache';
import { Logger } from '@nestjs/common';
import type { RNode } from '../diff/rendered';

/** How long a session's last render is kept after its connection went away. */
export const LAST_RENDER_TTL_MS = 300_000;

/** What a page last received: the frame count of its join, and the tree (and child components). */
export interface LastRender {
  n: number;
  tree: RNode;
  components?: Record<string, RNode>;
}

/**
 * The last render of sessions whose connection went away, so a rejoin gets a diff instead of the
 * whole page. With CacheModule it lives in the default store (on Redis, any node's rejoin finds
 * it); without, in this node's memory.
 *
 * No memory copy in front of the shared store: after a visit to another node it would be stale,
 * and a frame count that happens to match would then patch the page with the wrong base. A
 * rejoin is rare enough for one store round trip.
 */
export class LastRenders {
  private readonly logger = new Logger('Live');
  private readonly memory = new Map<string, LastRender & { until: number }>();

  constructor(private readonly cache: LatticeCache | null) {}

  async keep(session: string, render: LastRender, ttlMs = LAST_RENDER_TTL_MS): Promise<void> {
    const cache = this.cache;
    if (!cache) {
      const now = Date.now();
      for (const [id, entry] of this.memory) if (entry.until < now) this.memory.delete(id);
      this.memory.set(session, { ...render, until: now + ttlMs });
      return;
    }
    try {
      await cache.set(keyOf(session), render, ttlMs);
    } catch (error) {
      // Too large for the store, for instance: that page's rejoin gets the whole tree.
      this.logger.warn(`The last render of a live session was not kept: ${String(error)}`);
    }
  }

  /** The render the page has, when its frame count matches; it is used once. */
  async take(session: string, n: number): Promise<LastRender | undefined> {
    const cache = this.cache;
    let entry: (LastRender & { until?: number }) | undefined;
    if (cache) {
      entry = await cache.get<LastRender>(keyOf(session));
      if (entry) await cache.del(keyOf(session));
    } else {
      entry = this.memory.get(session);
      this.memory.delete(session);
      if (entry && entry.until! < Date.now()) entry = undefined;
    }
    return entry && entry.n === n ? entry : undefined;
  }
}

function keyOf(session: string): string {
  return `live:last:${session}`;
}
