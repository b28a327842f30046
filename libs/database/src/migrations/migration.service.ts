import { Inject, Injectable } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';
import { withoutQueryDeadline } from '../availability/pool-deadlines';
import { DATABASE_MODULE_OPTIONS } from '../database.constants';
import type { DatabaseModuleOptions } from '../database.interfaces';
import { DatabaseMessages } from '../database.messages';
import { GeneratedMigration, writeMigrationFile } from './migration-files';

export interface MigrationStatus {
  name: string;
  applied: boolean;
}

/** Runs, reverts, lists and generates migrations; what the `lattice db:migrate*` commands call. */
@Injectable()
export class MigrationService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE_MODULE_OPTIONS) private readonly options: DatabaseModuleOptions,
  ) {}

  /** Every known migration, oldest first, and whether it has run. */
  async status(): Promise<MigrationStatus[]> {
    const executor = new MigrationExecutor(this.dataSource);
    const executed = await executor.getExecutedMigrations();
    const ran = new Set(executed.map((m) => m.name));
    const known = this.dataSource.migrations.map((m) => m.name ?? m.constructor.name);
    const rows: MigrationStatus[] = known.map((name) => ({ name, applied: ran.has(name) }));
    // Applied migrations whose files are gone still show, so nobody is surprised by them.
    for (const m of executed)
      if (!known.includes(m.name)) rows.push({ name: m.name, applied: true });
    return rows;
  }

  /** Runs every pending migration, each in its own transaction; returns their names. */
  async run(): Promise<string[]> {
    const done = await withoutQueryDeadline(this.dataSource, () =>
      this.dataSource.runMigrations({ transaction: 'each' }),
    );
    return done.map((m) => m.name);
  }

  /** Reverts the last applied migration; returns its name, or undefined when none has run. */
  async revert(): Promise<string | undefined> {
    const executed = await new MigrationExecutor(this.dataSource).getExecutedMigrations();
    if (executed.length === 0) return undefined;
    await withoutQueryDeadline(this.dataSource, () =>
      this.dataSource.undoLastMigration({ transaction: 'each' }),
    );
    return executed[0].name;
  }

  /** Writes a migration with the SQL that brings the schema in line with the entities. */
  async generate(name: string): Promise<GeneratedMigration> {
    if (!/^[A-Za-z][\w-]{0,80}$/.test(name)) throw DatabaseMessages.migrationNameInvalid(name);
    if (!this.options.migrationsDir) throw DatabaseMessages.migrationDirMissing();
    const sql = await this.dataSource.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) throw DatabaseMessages.migrationNoChanges();
    return writeMigrationFile(
      this.options.migrationsDir,
      name,
      this.dataSource.options.type,
      sql.upQueries,
      sql.downQueries,
    );
  }
}
