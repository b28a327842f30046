import { Logger } from '@nestjs/common';
import type { AfterQueryEvent, EntitySubscriberInterface } from 'typeorm';
import { QueryContext, QueryStats } from './query-context';

export interface QueryProfilerOptions {
  /** Log queries slower than this, in ms (default 200; 0 turns the slow log off). */
  slowQueryMs: number;
  /** Warn when one query shape runs more than this many times in one unit of work (0 turns it off). */
  nPlusOneThreshold: number;
}

/** Replaces literals with `?` so `WHERE id = 1` and `WHERE id = 2` count as the same query. */
export function queryShape(sql: string): string {
  return sql
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\b\d+(\.\d+)?\b/g, '?')
    .replace(/\s+/g, ' ')
    .replace(/\(\s*\?(?:\s*,\s*\?)*\s*\)/g, '(?)')
    .trim();
}

/**
 * The first stack frame that belongs to the application, not to TypeORM, Node or this library.
 * Reads V8's raw call sites (real file names, before any source-map rewriting, which would make
 * TypeORM's frames look like application code), including the async frames of awaiting callers.
 */
export function callerLocation(): string {
  const original = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[];
  try {
    Error.stackTraceLimit = 50;
    Error.prepareStackTrace = (_error, callSites) => callSites;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, callerLocation);
    sites = holder.stack ?? [];
  } finally {
    Error.prepareStackTrace = original;
    Error.stackTraceLimit = limit;
  }
  const app = sites.find((site) => {
    const file = site.getFileName() ?? '';
    return (
      file !== '' &&
      !file.startsWith('node:') &&
      !file.includes('node_modules') &&
      !/[/\\]libs[/\\]database[/\\]/.test(file)
    );
  });
  if (!app) return 'unknown location (no application frame on the stack)';
  const where = `${app.getFileName()}:${app.getLineNumber()}:${app.getColumnNumber()}`;
  const fn = app.getFunctionName() ?? app.getMethodName();
  return fn ? `${fn} (${where})` : where;
}

/**
 * A TypeORM subscriber that times every query: slow ones are logged, per-unit counts and time
 * are kept in the `QueryContext`, and a query shape repeated past the threshold in one unit is
 * reported as a likely N+1, with the SQL and the application code that ran it.
 */
export class QueryProfiler implements EntitySubscriberInterface {
  private readonly logger = new Logger('Database');

  constructor(private readonly options: QueryProfilerOptions) {}

  afterQuery(event: AfterQueryEvent): void {
    const time = event.executionTime ?? 0;
    if (this.options.slowQueryMs > 0 && time >= this.options.slowQueryMs) {
      this.logger.warn(`Slow query (${time} ms): ${event.query}`);
    }
    const stats = QueryContext.current();
    if (!stats) return;
    stats.count++;
    stats.timeMs += time;
    if (this.options.nPlusOneThreshold > 0) this.checkRepetition(stats, event.query);
  }

  private checkRepetition(stats: QueryStats, sql: string): void {
    const shape = queryShape(sql);
    const runs = (stats.shapes.get(shape) ?? 0) + 1;
    stats.shapes.set(shape, runs);
    if (runs <= this.options.nPlusOneThreshold || stats.reported.has(shape)) return;
    stats.reported.add(shape);
    this.logger.warn(
      `Possible N+1 in ${stats.label}: the same query ran ${runs} times.\n` +
        `  SQL: ${shape}\n  from: ${callerLocation()}\n` +
        '  Load the relation with the first query instead (relations: [...], leftJoinAndSelect, or an IN (...) query).',
    );
  }
}
