import type { AiUsageEntry, AiUsageStore } from '../ai-usage.interfaces';
import { AI_USAGE_RETENTION_DAYS } from '../ai-usage.constants';
import { mergeEntries } from '../ai-usage.key';

/**
 * Usage in this process's memory: the fallback for an app with no Redis. It is lost on restart
 * and invisible to another process, so `lattice ai:usage` cannot read it (the command says so);
 * `AiUsage.summary()` inside the app can.
 */
export class MemoryAiUsageStore implements AiUsageStore {
  readonly kind: string = 'memory';
  readonly shared: boolean = false;
  private readonly days = new Map<string, Map<string, AiUsageEntry>>();

  constructor(private readonly retentionDays = AI_USAGE_RETENTION_DAYS) {}

  add(entries: AiUsageEntry[]): Promise<void> {
    for (const entry of entries) {
      let day = this.days.get(entry.key.day);
      if (!day) this.days.set(entry.key.day, (day = new Map()));
      mergeEntries(day, [entry]);
    }
    this.expire();
    return Promise.resolve();
  }

  read(days: string[]): Promise<AiUsageEntry[]> {
    return Promise.resolve(days.flatMap((day) => [...(this.days.get(day)?.values() ?? [])]));
  }

  private expire(): void {
    const oldest = new Date(Date.now() - this.retentionDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    for (const day of this.days.keys()) if (day < oldest) this.days.delete(day);
  }
}
