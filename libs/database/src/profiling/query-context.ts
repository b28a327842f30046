import { AsyncLocalStorage } from 'node:async_hooks';

/** Queries seen in one unit of work (an HTTP request, a WebSocket message, a job). */
export interface QueryStats {
  label: string;
  count: number;
  /** Sum of execution times in ms (the drivers measure whole milliseconds). */
  timeMs: number;
  /** Runs per normalised SQL shape. */
  shapes: Map<string, number>;
  /** Shapes already reported as N+1, so each is reported once per unit of work. */
  reported: Set<string>;
}

const storage = new AsyncLocalStorage<QueryStats>();

export const QueryContext = {
  /** Runs `work` as one unit whose queries are counted and checked for N+1 patterns. */
  run<T>(label: string, work: () => T): T {
    return storage.run(
      { label, count: 0, timeMs: 0, shapes: new Map(), reported: new Set() },
      work,
    );
  },
  /** The unit of work in scope, if any. */
  current(): QueryStats | undefined {
    return storage.getStore();
  },
};
