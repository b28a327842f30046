import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * The database's plan for a query builder's query: `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN`
 * on MySQL. Returns the rows as the database gives them.
 *
 * @example
 * console.table(await explain(questions.createQueryBuilder('q').where('q.score > :s', { s: 10 })));
 */
export async function explain<T extends ObjectLiteral>(
  qb: SelectQueryBuilder<T>,
): Promise<Record<string, unknown>[]> {
  const [sql, parameters] = qb.getQueryAndParameters();
  const type = qb.connection.options.type;
  const prefix = type === 'better-sqlite3' ? 'EXPLAIN QUERY PLAN' : 'EXPLAIN';
  return qb.connection.query(`${prefix} ${sql}`, parameters) as Promise<Record<string, unknown>[]>;
}
