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

/** One user's count of one window in an exchange; `state` when the reply updates this node's view. */
interface Entry {
  user: string;
  window: number;
  delta: number;
  state?: UserWindow;
  /** `state.flushed` when sent. */
  flushed?: number;
}

/** Users per EVAL: one script call per batch, all batches in one pipeline (one round trip). */
const EXCHANGE_BATCH = 500;

/**
 * Adds each user's new count to their key of the window and reads back the total and the
 * previous window's total; the last two values are Redis's clock (TIME), for the window index.
 * KEYS: per user, this window's key and the previous one's. ARGV: the keys' ttl (ms), then the counts.
 */
const EXCHANGE = `
local out = {}
for i = 1, #KEYS / 2 do
  local total = redis.call('INCRBY', KEYS[2 * i - 1], ARGV[i + 1])
  redis.call('PEXPIRE', KEYS[2 * i - 1], ARGV[1])
  out[2 * i - 1] = total
  out[2 * i] = tonumber(redis.call('GET', KEYS[2 * i]) or '0')
end
local t = redis.call('TIME')
out[#out + 1] = tonumber(t[1])
out[#out + 1] = tonumber(t[2])
return out
`;

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
  private stopped = false;
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

  /** Stops the timer; later exchanges do nothing (the app is shutting down). */
  stop(): void {
    this.stopped = true;
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
    if (this.stopped) return Promise.resolve({ users: 0, ok: true });
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
    const late = this.late;
    this.late = [];
    // Late counts are only added; the users' own entries also read the totals back.
    const entries: Entry[] = late.map(({ user, window: w, count }) => ({
      user,
      window: w,
      delta: count,
    }));
    for (const [user, state] of this.users) {
      if (state.window < window - 1) {
        this.users.delete(user); // idle for a whole window: nothing left to know
        continue;
      }
      if (state.window !== window && state.mine === state.flushed) continue;
      const delta = state.mine - state.flushed;
      state.flushed = state.mine;
      entries.push({ user, window: state.window, delta, state, flushed: state.flushed });
    }
    if (entries.length === 0) return { users: 0, ok: true };
    const ttl = perMs * 2 + 1000;
    const users = entries.filter((e) => e.state).length;
    try {
      // Inside the try: after shutdown the connection is refused, and that is a failed exchange.
      const pipeline = this.client().pipeline();
      for (let from = 0; from < entries.length; from += EXCHANGE_BATCH) {
        const batch = entries.slice(from, from + EXCHANGE_BATCH);
        const keys = batch.flatMap((e) => [
          this.key(e.user, e.window),
          this.key(e.user, e.window - 1),
        ]);
        pipeline.eval(EXCHANGE, keys.length, ...keys, ttl, ...batch.map((e) => e.delta));
      }
      const started = Date.now();
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([error]) => error);
      if (failed) throw failed[0]!;
      const replies = results.map(([, reply]) => reply as number[]);
      const [seconds, micros] = replies[0].slice(-2);
      this.offsetMs = seconds * 1000 + Math.floor(micros / 1000) - (started + Date.now()) / 2;
      entries.forEach((entry, i) => {
        const { state, window: sentIn, flushed = 0 } = entry;
        // The window may have moved on while the reply travelled; then the counts are old news.
        if (!state || state.window !== sentIn) return;
        const reply = replies[Math.floor(i / EXCHANGE_BATCH)];
        const at = (i % EXCHANGE_BATCH) * 2;
        state.others = Math.max(state.others, reply[at] - flushed);
        state.previous = Math.max(state.previous, reply[at + 1]);
      });
      this.onSuccess();
      return { users, ok: true };
    } catch (error) {
      // Not counted in Redis: sent again at the next sync, unless their window has passed.
      this.late.push(
        ...entries
          .filter((e) => e.delta > 0 && e.window >= window - 1)
          .map(({ user, window: w, delta }) => ({ user, window: w, count: delta })),
      );
      this.onFailure(error);
      return { users, ok: false };
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
