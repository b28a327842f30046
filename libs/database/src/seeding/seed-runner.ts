import { Faker, base, en } from '@faker-js/faker';
import { Inject, Injectable, Logger, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource, EntityManager, ObjectLiteral, Table } from 'typeorm';
import { DATABASE_MODULE_OPTIONS } from '../database.constants';
import type { DatabaseModuleOptions } from '../database.interfaces';
import { DatabaseMessages } from '../database.messages';
import { TransactionHost } from '../transactions/transaction-host';
import { EntityFactory, SeedContext, Seeder, SeedProgress } from './seeder';

export const SEEDS_TABLE = 'lattice_seeds';
const CHUNK = 200;

export interface SeedOptions {
  /** Only this seeder (by class name) and what it depends on. Default: all registered seeders. */
  seeder?: string;
  count?: number;
  /** Faker seed number (default 1): the same number gives the same data. */
  seed?: number;
  progress?: SeedProgress;
}

export interface SeedResult {
  ran: string[];
  skipped: string[];
}

/** Logs progress at every quarter; for seeding at application start. */
export class LoggerProgress implements SeedProgress {
  private label = '';
  private total = 0;
  private done = 0;
  private nextReport = 0.25;
  constructor(private readonly logger = new Logger('Seed')) {}
  start(label: string, total: number): void {
    Object.assign(this, { label, total, done: 0, nextReport: 0.25 });
  }
  advance(by = 1): void {
    this.done += by;
    if (this.total === 0 || this.done / this.total < this.nextReport) return;
    this.logger.log(
      `${this.label}: ${Math.floor((this.done / this.total) * 100)} % (${this.done}/${this.total})`,
    );
    while (this.done / this.total >= this.nextReport) this.nextReport += 0.25;
  }
  stop(): void {}
}

/** Runs seeders: in dependency order, each once (recorded in `lattice_seeds`), each in a transaction. */
@Injectable()
export class SeedRunner {
  private readonly logger = new Logger('Seed');

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: TransactionHost,
    private readonly moduleRef: ModuleRef,
    @Inject(DATABASE_MODULE_OPTIONS) private readonly options: DatabaseModuleOptions,
  ) {}

  /** Names of the registered seeders. */
  names(): string[] {
    return (this.options.seeders ?? []).map((s) => s.name);
  }

  async run(options: SeedOptions = {}): Promise<SeedResult> {
    const order = this.plan(options.seeder);
    await this.ensureTable();
    const seed = options.seed ?? 1;
    const progress = options.progress ?? new LoggerProgress(this.logger);
    const result: SeedResult = { ran: [], skipped: [] };
    for (const type of order) {
      const done = await this.dataSource.query(`SELECT name FROM ${SEEDS_TABLE} WHERE name = ?`, [
        type.name,
      ]);
      if ((done as unknown[]).length > 0) {
        result.skipped.push(type.name);
        continue;
      }
      const seeder = await this.moduleRef.create(type);
      await this.transactions.run(async (manager) => {
        await seeder.run(this.context(manager, seed, options.count, progress));
        await manager.query(`INSERT INTO ${SEEDS_TABLE} (name, seed, ran_at) VALUES (?, ?, ?)`, [
          type.name,
          seed,
          new Date().toISOString(),
        ]);
      });
      progress.stop();
      result.ran.push(type.name);
    }
    return result;
  }

  /** True when no registered seeder has run yet (for seeding an empty database at start). */
  async pending(): Promise<boolean> {
    await this.ensureTable();
    const [{ n }] = (await this.dataSource.query(`SELECT COUNT(*) AS n FROM ${SEEDS_TABLE}`)) as {
      n: number | string;
    }[];
    return Number(n) === 0 && this.names().length > 0;
  }

  private plan(only?: string): Type<Seeder>[] {
    const registered = this.options.seeders ?? [];
    const byName = new Map(registered.map((s) => [s.name, s]));
    if (only && !byName.has(only)) throw DatabaseMessages.seederUnknown(only, [...byName.keys()]);
    const order: Type<Seeder>[] = [];
    const visiting: Type<Seeder>[] = [];
    const visit = (type: Type<Seeder>) => {
      if (order.includes(type)) return;
      if (visiting.includes(type))
        throw DatabaseMessages.seederCycle(
          [...visiting.slice(visiting.indexOf(type)), type].map((t) => t.name),
        );
      visiting.push(type);
      for (const dep of (type as unknown as typeof Seeder).dependsOn) visit(dep as Type<Seeder>);
      visiting.pop();
      order.push(type);
    };
    for (const type of only ? [byName.get(only)!] : registered) visit(type);
    return order;
  }

  private async ensureTable(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.createTable(
        new Table({
          name: SEEDS_TABLE,
          columns: [
            { name: 'name', type: 'varchar', length: '190', isPrimary: true },
            { name: 'seed', type: 'int' },
            { name: 'ran_at', type: 'varchar', length: '30' }, // ISO 8601, UTC: binds the same on every driver
          ],
        }),
        true,
      );
    } finally {
      await runner.release();
    }
  }

  private context(
    manager: EntityManager,
    seed: number,
    count: number | undefined,
    progress: SeedProgress,
  ): SeedContext {
    const faker = new Faker({ locale: [en, base], seed });
    faker.setDefaultRefDate(new Date('2026-01-01T00:00:00Z')); // dates do not drift with the calendar
    let index = 0;
    const make = <T extends ObjectLiteral>(
      factory: EntityFactory<T>,
      overrides: Partial<T> = {},
    ): T =>
      manager.create(factory.entity, {
        ...factory.build(faker, index++),
        ...overrides,
      } as never) as T;
    return {
      manager,
      faker,
      count,
      progress,
      make,
      createMany: async <T extends ObjectLiteral>(
        factory: EntityFactory<T>,
        n: number,
        overrides?: (i: number) => Partial<T>,
      ) => {
        const saved: T[] = [];
        for (let start = 0; start < n; start += CHUNK) {
          const chunk = Array.from({ length: Math.min(CHUNK, n - start) }, (_, i) =>
            make(factory, overrides?.(start + i)),
          );
          saved.push(...(await manager.save(factory.entity, chunk as never[])));
          progress.advance(chunk.length);
        }
        return saved;
      },
    };
  }
}
