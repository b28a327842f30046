import type { RedisConnections } from '@lattice/core';
import type Redis from 'ioredis';

/** What this node knows of one user's frames in the current window. */
interface UserWindow {
  /** Index of the window (`floor(time / perMs)`, on Redis's clock). */
  window: number;
  /** Frames admitted here in this window. */
  mine: number;
  /** How many of `mine` are counted in Redis. */
  flushed: number;
  /** Frames the other nodes admitted in this window, as of the last sync. */
  others: number;
  /** The cluster's count of the previous window, weighted down as the current one goes by. */
  previous: number;
}

/** Counts of a window that closed before they were flushed. */
interface Late {
  user: string;
  window: number;
  count: number;
}

/** What `sync()` did, for tests and benchmarks. */
export interface RateSyncResult {
  users: number;
  ok: boolean;
}

/**
 * A user's message rate across the cluster, without I/O on the frame's path. `admit()` is
 * synchronous: it compares a sliding-window estimate (the previous window's cluster count,
 * weighted by how much of it still overlaps, plus this window's frames here and elsewhere as last
 * known) with the limit. Nodes add their counts to a Redis key per user and window (INCRBY, one
 * pipelined round trip for every active user) every `syncMs`, and at once when a user's unflushed
 * frames on this node reach `flushEvery`; the reply tells the node what the others admitted.
 *
 * Overshoot: another node's frames are seen one sync late, so the cluster admits at most the limit
 * plus, for each other node, the frames it admitted that this node had not yet heard of: `flushEvery`
 * plus what it admits during one Redis round trip (and never more than its own bucket allows, so
 * never worse than per-node counting). With Redis down the windows count this node only.
 */
export class ClusterMessageRate {
  private readonly users = new Map<string, UserWindow>();
  private late: Late[] = [];
  /** Redis's clock minus this node's, measured at each sync (windows follow Redis's clock). */
  private offsetMs = 0;
  private inFlight: Promise<RateSyncResult> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  /** Unflushed frames of one user that trigger a sync at once. */
  readonly flushEvery: number;
  readonly syncMs: number;

  constructor(
    private readonly redis: RedisConnections,
    private readonly limit: { messages: number; perMs: number },
    private readonly onFailure: (error: unknown) => void,
    private readonly onSuccess: () => void,
  ) {
    this.flushEvery = Math.max(1, Math.floor(limit.messages / 20));
    this.syncMs = Math.min(250, Math.max(20, Math.floor(limit.perMs / 10)));
  }

  start(): void {
    this.timer = setInterval(() => void this.sync(), this.syncMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Whether one more frame of `user` fits the cluster-wide limit; counts it when it does. */
  admit(user: string, now = Date.now()): boolean {
    const { messages, perMs } = this.limit;
    const time = now + this.offsetMs;
    const window = Math.floor(time / perMs);
    const state = this.current(user, window);
    const overlap = 1 - (time - window * perMs) / perMs;
    if (state.previous * overlap + state.mine + state.others + 1 > messages) return false;
    state.mine += 1;
    if (state.mine - state.flushed >= this.flushEvery && !this.inFlight) void this.sync();
    else if (state.mine - state.flushed >= this.flushEvery) this.again = true;
    return true;
  }

  /** Adds this node's new counts to Redis and reads back the others' (one round trip). */
  sync(): Promise<RateSyncResult> {
    if (this.inFlight) {
      this.again = true;
      return this.inFlight;
    }
    this.inFlight = this.exchange().finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        void this.sync();
      }
    });
    return this.inFlight;
  }

  /** Users this node keeps a window for. */
  get size(): number {
    return this.users.size;
  }

  private async exchange(): Promise<RateSyncResult> {
    const { perMs } = this.limit;
    const window = Math.floor((Date.now() + this.offsetMs) / perMs);
    const sent: Array<{
      user: string;
      state: UserWindow;
      window: number;
      flushed: number;
      delta: number;
    }> = [];
    const late = this.late;
    this.late = [];
    const ttl = perMs * 2 + 1000;
    const pipeline = this.client().multi();
    pipeline.time();
    for (const { user, window: w, count } of late)
      pipeline.incrby(this.key(user, w), count).pexpire(this.key(user, w), ttl);
    for (const [user, state] of this.users) {
      if (state.window < window - 1) {
        this.users.delete(user); // idle for a whole window: nothing left to know
        continue;
      }
      if (state.window !== window && state.mine === state.flushed) continue;
      const delta = state.mine - state.flushed;
      state.flushed = state.mine;
      sent.push({ user, state, window: state.window, flushed: state.flushed, delta });
      pipeline
        .incrby(this.key(user, state.window), delta)
        .pexpire(this.key(user, state.window), ttl)
        .get(this.key(user, state.window - 1));
    }
    if (sent.length === 0 && late.length === 0) return { users: 0, ok: true };
    const started = Date.now();
    try {
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0]!;
      const [seconds, micros] = results[0][1] as [string, string];
      this.offsetMs =
        Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (started + Date.now()) / 2;
      let at = 1 + late.length * 2;
      for (const { state, window: sentIn, flushed } of sent) {
        const total = Number(results[at][1]);
        const previous = Number(results[at + 2][1] ?? 0);
        at += 3;
        // The window may have moved on while the reply travelled; then the counts are old news.
        if (state.window !== sentIn) continue;
        state.others = Math.max(state.others, total - flushed);
        state.previous = Math.max(state.previous, previous);
      }
      this.onSuccess();
      return { users: sent.length, ok: true };
    } catch (error) {
      // Not counted in Redis: sent again at the next sync, unless their window has passed.
      for (const { user, window: sentIn, delta } of sent)
        if (delta > 0) late.push({ user, window: sentIn, count: delta });
      this.late.push(...late.filter((entry) => entry.window >= window - 1));
      this.onFailure(error);
      return { users: sent.length, ok: false };
    }
  }

  /** The user's window, moved on when a new one began (the old counts become `previous`). */
  private current(user: string, window: number): UserWindow {
    let state = this.users.get(user);
    if (!state) {
      state = { window, mine: 0, flushed: 0, others: 0, previous: 0 };
      this.users.set(user, state);
      return state;
    }
    if (state.window === window) return state;
    if (state.mine > state.flushed)
      this.late.push({ user, window: state.window, count: state.mine - state.flushed });
    state.previous = state.window === window - 1 ? state.mine + state.others : 0;
    state.window = window;
    state.mine = state.flushed = state.others = 0;
    return state;
  }

  private key(user: string, window: number): string {
    return this.redis.key('security', 'socket-rate', user, String(window));
  }

  private client(): Redis {
    return this.redis.get('throttle', { maxRetriesPerRequest: 1, commandTimeout: 1000 });
  }
}
