import type { AiBudgetLimit } from '../ai.interfaces';

const LENGTH = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** One budget period: from `start` (included) to `end` (excluded), in ms since the epoch. */
export interface BudgetWindow {
  start: number;
  end: number;
}

/**
 * The window of a period that contains `now`, aligned on UTC: minutes, hours and days on their
 * boundaries, months on the first of the month (so every node computes the same window).
 */
export function windowOf(period: AiBudgetLimit['period'], now: number): BudgetWindow {
  if (period === 'month') {
    const date = new Date(now);
    return {
      start: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1),
      end: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
    };
  }
  const length = LENGTH[period];
  const start = Math.floor(now / length) * length;
  return { start, end: start + length };
}

/** "7 h 48 min", "42 s": how long until a budget resets, for messages. */
export function humanDuration(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `${Math.floor(hours / 24)} d${hours % 24 ? ` ${hours % 24} h` : ''}`;
}
