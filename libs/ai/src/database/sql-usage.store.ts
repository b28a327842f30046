import { TransactionHost } from '@lattice/database';
import type { DataSource, EntityManager } from 'typeorm';
import { AI_USAGE_RETENTION_DAYS } from '../usage/ai-usage.constants';
import { emptyHistogram } from '../usage/ai-usage.histogram';
import type {
  AiUsageCounts,
  AiUsageEntry,
  AiUsageKey,
  AiUsageStore,
} from '../usage/ai-usage.interfaces';
import { encodeKey } from '../usage/ai-usage.key';
import {
  AI_USAGE_KEY_COLUMNS,
  AI_USAGE_LATENCY_COLUMNS,
  AI_USAGE_ROWS_PER_STATEMENT,
  AI_USAGE_TABLE,
} from './ai-usage-database.constants';
import { AiUsageDatabaseMessages } from './ai-usage-database.messages';

const COUNTER_COLUMNS = [
  { column: 'calls', counter: 'calls' },
  { column: 'prompt_tokens', counter: 'promptTokens' },
  { column: 'completion_tokens', counter: 'completionTokens' },
  { column: 'cost', counter: 'cost' },
  { column: 'cache_hits', counter: 'cacheHits' },
] as const;

const ADDED_COLUMNS = [...COUNTER_COLUMNS.map((c) => c.column), ...AI_USAGE_LATENCY_COLUMNS];
const COLUMNS = [...AI_USAGE_KEY_COLUMNS.map((k) => k.column), ...ADDED_COLUMNS];
const ROW = `(${COLUMNS.map(() => '?').join(', ')})`;
/** Every counter added to the row already there: one atomic statement per batch of rows. */
const ON_CONFLICT = {
  sqlite: ` ON CONFLICT (${AI_USAGE_KEY_COLUMNS.map((k) => k.column).join(', ')}) DO UPDATE SET ${ADDED_COLUMNS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`,
  // VALUES(): MariaDB has no row alias (`AS new`), and MySQL 8 still takes it.
  mysql: ` ON DUPLICATE KEY UPDATE ${ADDED_COLUMNS.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')}`,
};

/** Runs of a batch InnoDB rolled back for a deadlock (two nodes upserting the same rows). */
const DEADLOCK_RETRIES = 2;

type Row = Record<string, string | number | null>;

/**
 * Usage in an SQL table (`lattice_ai_usage`, `AiUsageDayEntity`) on the DataSource DatabaseModule
 * opens: one row per day and key, added to with `INSERT … ON CONFLICT DO UPDATE` (SQLite) or
 * `ON DUPLICATE KEY UPDATE` (MySQL, MariaDB), so two processes adding at once both count. A
 * batch is one `TransactionHost.run` (a retried batch is never counted twice; on SQLite it waits
 * for the app's transactions instead of nesting in one); rows older than the retention period
 * are deleted in the first write of each day. Bound by `AiUsageDatabaseModule`.
 */
export class SqlAiUsageStore implements AiUsageStore {
  readonly kind: string = 'sql';
  private prunedOn: string | undefined;

  constructor(
    /** DatabaseModule's: the store reads and writes on its DataSource. */
    private readonly transactions: TransactionHost,
    /** Days kept; `Infinity` keeps every day. */
    private readonly retentionDays = AI_USAGE_RETENTION_DAYS,
  ) {}

  /** False only on an in-memory SQLite database, which no other process can open. */
  get shared(): boolean {
    return !(this.dialect === 'sqlite' && this.dataSource.options.database === ':memory:');
  }

  private get dataSource(): DataSource {
    return TransactionHost.dataSource;
  }

  private get dialect(): 'sqlite' | 'mysql' {
    return this.dataSource.options.type === 'better-sqlite3' ? 'sqlite' : 'mysql';
  }

  async add(entries: AiUsageEntry[]): Promise<void> {
    if (entries.length === 0) return;
    // The same key order in every process, so that two batches lock rows in the same order.
    const rows = entries
      .map(({ key, counts }) => ({ id: encodeKey(key), values: rowValues(key, counts) }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((row) => row.values);
    const today = new Date().toISOString().slice(0, 10);
    const prune = this.prunedOn !== today && Number.isFinite(this.retentionDays);
    await this.explain(
      this.transactions.run(
        async (manager) => {
          if (prune) await this.prune(manager);
          for (let i = 0; i < rows.length; i += AI_USAGE_ROWS_PER_STATEMENT) {
            const chunk = rows.slice(i, i + AI_USAGE_ROWS_PER_STATEMENT);
            await manager.query(
              `INSERT INTO ${AI_USAGE_TABLE} (${COLUMNS.join(', ')}) VALUES ${chunk.map(() => ROW).join(', ')}${ON_CONFLICT[this.dialect]}`,
              chunk.flat(),
            );
          }
        },
        { retries: DEADLOCK_RETRIES },
      ),
    );
    if (prune) this.prunedOn = today;
  }

  async read(days: string[]): Promise<AiUsageEntry[]> {
    if (days.length === 0) return [];
    const sorted = [...days].sort();
    const wanted = new Set(days);
    const rows = await this.explain(
      this.dataSource.query<Row[]>(
        `SELECT ${COLUMNS.join(', ')} FROM ${AI_USAGE_TABLE} WHERE day >= ? AND day <= ?`,
        [sorted[0], sorted.at(-1)],
      ),
    );
    return rows.filter((row) => wanted.has(String(row.day))).map(entryOf);
  }

  private async prune(manager: EntityManager): Promise<void> {
    const oldest = new Date(Date.now() - this.retentionDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    await manager.query(`DELETE FROM ${AI_USAGE_TABLE} WHERE day < ?`, [oldest]);
  }

  /** A missing table is a setup step not taken: say which, instead of the driver's words. */
  private async explain<T>(work: Promise<T>): Promise<T> {
    try {
      return await work;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      if (code === 'ER_NO_SUCH_TABLE' || /no such table/i.test(message ?? ''))
        throw AiUsageDatabaseMessages.tableMissing(this.databaseName(), error);
      throw error;
    }
  }

  private databaseName(): string {
    const { database } = this.dataSource.options as { database?: unknown };
    if (typeof database === 'string' && database) return `${this.dialect} "${database}"`;
    // A MySQL DataSource opened by URL has the database only in the URL.
    const url = (this.dataSource.options as { url?: string }).url;
    const name = url ? new URL(url).pathname.slice(1) : '';
    return name ? `${this.dialect} "${name}"` : `the ${this.dialect} database`;
  }
}

function rowValues(key: AiUsageKey, counts: AiUsageCounts): (string | number)[] {
  return [
    ...AI_USAGE_KEY_COLUMNS.map(({ field, length }) => clip(String(key[field]), length)),
    ...COUNTER_COLUMNS.map(({ counter }) => counts[counter]),
    ...AI_USAGE_LATENCY_COLUMNS.map((_, bucket) => counts.latency[bucket] ?? 0),
  ];
}

/**
 * The value cut to the column's length in characters (MySQL refuses longer ones, SQLite would
 * keep them: cut on both, so that both count the same).
 */
function clip(value: string, length: number): string {
  if (value.length <= length) return value;
  const characters = Array.from(value);
  return characters.length <= length ? value : characters.slice(0, length).join('');
}

function entryOf(row: Row): AiUsageEntry {
  const key = Object.fromEntries(
    AI_USAGE_KEY_COLUMNS.map(({ column, field }) => [field, String(row[column])]),
  ) as unknown as AiUsageKey;
  // MySQL returns BIGINT as strings when it must; every driver's numbers go through Number().
  const counts: AiUsageCounts = {
    calls: Number(row.calls),
    promptTokens: Number(row.prompt_tokens),
    completionTokens: Number(row.completion_tokens),
    cost: Number(row.cost),
    cacheHits: Number(row.cache_hits),
    latency: emptyHistogram().map((_, bucket) => Number(row[AI_USAGE_LATENCY_COLUMNS[bucket]])),
  };
  return { key, counts };
}
