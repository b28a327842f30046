import { Logger } from '@nestjs/common';
import type { AfterQueryEvent } from 'typeorm';
import { QueryContext } from './query-context';
import { QueryProfiler, queryShape } from './query-profiler';

const event = (query: string, executionTime = 1) => ({ query, executionTime }) as AfterQueryEvent;

describe('queryShape', () => {
  it('makes queries that differ only in literals the same shape', () => {
    expect(queryShape("SELECT * FROM q WHERE id = 12 AND title = 'it''s'")).toBe(
      'SELECT * FROM q WHERE id = ? AND title = ?',
    );
    expect(queryShape('SELECT * FROM q WHERE id IN (1, 2, 3)')).toBe(
      queryShape('SELECT * FROM q WHERE id IN (7)'),
    );
    expect(queryShape('SELECT  *\n FROM q')).toBe('SELECT * FROM q');
  });
});

// callerLocation skips frames in libs/database, this file included; the shared suite
// (test/integration/database/relations.spec.ts) checks it names the calling test line.

describe('QueryProfiler', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('logs slow queries at the threshold', () => {
    const profiler = new QueryProfiler({ slowQueryMs: 50, nPlusOneThreshold: 0 });
    profiler.afterQuery(event('SELECT 1', 49));
    profiler.afterQuery(event('SELECT 2', 50));
    expect(warn.mock.calls.map((c) => c[0])).toEqual(['Slow query (50 ms): SELECT 2']);
  });

  it('counts queries and time per unit of work, and reports a repeated shape once', () => {
    const profiler = new QueryProfiler({ slowQueryMs: 0, nPlusOneThreshold: 3 });
    const stats = QueryContext.run('GET /things', () => {
      for (let id = 1; id <= 6; id++)
        profiler.afterQuery(event(`SELECT * FROM thing WHERE id = ${id}`, 2));
      profiler.afterQuery(event('SELECT COUNT(*) FROM thing', 1));
      return QueryContext.current();
    });
    expect(stats).toMatchObject({ label: 'GET /things', count: 7, timeMs: 13 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toContain(
      'Possible N+1 in GET /things: the same query ran 4 times.',
    );
    expect(warn.mock.calls[0][0]).toContain('SQL: SELECT * FROM thing WHERE id = ?');
  });

  it('stays silent when off', () => {
    const profiler = new QueryProfiler({ slowQueryMs: 0, nPlusOneThreshold: 0 });
    QueryContext.run('x', () => {
      for (let i = 0; i < 50; i++) profiler.afterQuery(event('SELECT 1', 500));
    });
    expect(warn).not.toHaveBeenCalled();
  });
});
