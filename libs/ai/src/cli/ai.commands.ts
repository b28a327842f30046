import { CliUsageError, Command, CommandRunner, Option } from '@lattice/core/cli';
import { Module } from '@nestjs/common';
import Table from 'cli-table3';
import { AiUsage } from '../usage/ai-usage';
import { AI_USAGE_LATENCY_BUCKETS_MS } from '../usage/ai-usage.histogram';
import type { AiUsageDimension, AiUsageRow } from '../usage/ai-usage.interfaces';

const out = (line = '') => process.stdout.write(`${line}\n`);
const DIMENSIONS: readonly AiUsageDimension[] = ['day', 'provider', 'model', 'operation', 'user'];
const TITLES: Record<string, string> = {
  day: 'Day',
  provider: 'Provider',
  model: 'Model',
  operation: 'Operation',
  user: 'User',
};

/** A command line its options cannot express: exit code 2. */
const usage = (message: string, hint: string) =>
  new CliUsageError('LATTICE_AI_CLI_USAGE', message, hint);

function table(head: string[]): Table.Table {
  // Colours only on a terminal, so piped output and logs stay plain.
  const plain = !process.stdout.isTTY;
  return new Table({ head, style: plain ? { head: [], border: [] } : { head: ['cyan'] } });
}

/** `$0.0412`, and six decimals under a cent so that cheap models do not read as free. */
export function formatCost(cost: number): string {
  return `$${cost.toFixed(cost !== 0 && Math.abs(cost) < 0.01 ? 6 : 4)}`;
}

/** A percentile as the histogram knows it: "≤ 250 ms", "> 60 s". */
export function formatLatency(ms: number, calls: number): string {
  if (calls === 0) return '-';
  if (ms === Infinity) return `> ${AI_USAGE_LATENCY_BUCKETS_MS.at(-1)! / 1000} s`;
  return ms >= 1000 ? `≤ ${ms / 1000} s` : `≤ ${ms} ms`;
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate > 0 && rate < 0.1 ? 1 : 0)}%`;

@Command({
  name: 'ai:usage',
  description:
    'Show AI calls per day, model and user: calls, tokens, cost, cache hit rate, errors and latency',
})
export class AiUsageCommand extends CommandRunner {
  constructor(private readonly usage: AiUsage) {
    super();
  }

  async run(
    _: string[],
    flags: { days?: number; by?: AiUsageDimension[]; user?: string },
  ): Promise<void> {
    const days = flags.days ?? 7;
    const groupBy = flags.by ?? ['day', 'model', 'user'];
    const rows = await this.usage.summary({ days, groupBy, where: { user: flags.user } });
    const scope = `the last ${days} day${days === 1 ? '' : 's'} (UTC)${flags.user ? ` for user ${flags.user}` : ''}`;
    if (!this.usage.store.shared) {
      out(
        `AI usage is kept in the app's memory (${this.usage.store.kind} store: no REDIS_URL), which this command cannot read.`,
      );
      out(
        'Set REDIS_URL so that the app and this command share it, or read AiUsage.summary() in the app.',
      );
    }
    if (rows.length === 0) {
      out(`No AI calls in ${scope}.`);
      return;
    }
    const grid = table([
      ...groupBy.map((dimension) => TITLES[dimension]),
      'Calls',
      'Prompt tokens',
      'Completion tokens',
      'Cost',
      'Cache hits',
      'Errors',
      'Refused',
      'p50',
      'p95',
    ]);
    for (const row of rows) grid.push(cells(row, groupBy));
    const [total] = await this.usage.summary({ days, groupBy: [], where: { user: flags.user } });
    if (rows.length > 1) grid.push(cells(total, groupBy, 'Total'));
    out(grid.toString());
    out(
      `${total.calls} call${total.calls === 1 ? '' : 's'} in ${scope}, ${formatCost(total.cost)}, from the ${this.usage.store.kind} store.`,
    );
  }

  @Option({ flags: '-d, --days <n>', description: 'Days to show, today included (default 7)' })
  parseDays(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 366)
      throw usage(
        `--days must be a whole number from 1 to 366, got "${value}".`,
        'For example: --days 30.',
      );
    return n;
  }

  @Option({
    flags: '-b, --by <dimensions>',
    description: `Group by, comma-separated: ${DIMENSIONS.join(', ')} (default day,model,user)`,
  })
  parseBy(value: string): AiUsageDimension[] {
    const dimensions = value
      .split(',')
      .map((d) => d.trim())
      .filter(Boolean);
    const unknown = dimensions.filter((d) => !DIMENSIONS.includes(d as AiUsageDimension));
    if (unknown.length || dimensions.length === 0)
      throw usage(
        `--by takes ${DIMENSIONS.join(', ')}, got "${value}".`,
        'For example: --by model or --by day,user.',
      );
    return [...new Set(dimensions)] as AiUsageDimension[];
  }

  @Option({ flags: '-u, --user <id>', description: "Only this user's calls" })
  parseUser(value: string): string {
    return value;
  }
}

function cells(row: AiUsageRow, groupBy: AiUsageDimension[], label?: string): string[] {
  return [
    ...groupBy.map((dimension, i) => (label ? (i === 0 ? label : '') : String(row[dimension]))),
    String(row.calls),
    String(row.promptTokens),
    String(row.completionTokens),
    formatCost(row.cost),
    `${row.cacheHits} (${percent(row.cacheHitRate)})`,
    String(row.errors),
    String(row.refused),
    formatLatency(row.p50Ms, row.calls),
    formatLatency(row.p95Ms, row.calls),
  ];
}

/**
 * Adds `lattice ai:usage` to a `lattice` command line. It brings its own `AiUsage`, which reads
 * the store the app writes (Redis when REDIS_URL is set, or an `AI_USAGE_STORE` provided by a
 * global module), so the CLI's root module needs no `AiModule`.
 */
@Module({ providers: [AiUsage, AiUsageCommand] })
export class AiCommandsModule {}
