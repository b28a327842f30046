import { LatticeDrivers } from '@lattice/core';
import { Command, CommandRunner, Option } from '@lattice/core/cli';
import { Module } from '@nestjs/common';
import { SingleBar } from 'cli-progress';
import { relative } from 'node:path';
import { MigrationService } from '../migrations/migration.service';
import { SeedRunner } from '../seeding/seed-runner';
import type { SeedProgress } from '../seeding/seeder';

const out = (line = '') => process.stdout.write(`${line}\n`);

function where(drivers: LatticeDrivers): string {
  const db = drivers.database;
  if (db.kind === 'mysql') return db.safeUrl;
  const near = relative(process.cwd(), db.path);
  return `sqlite:${near && !near.startsWith('..') ? near : db.path}`;
}

@Command({ name: 'db:migrate', description: 'Run every pending migration' })
export class MigrateCommand extends CommandRunner {
  constructor(
    private readonly migrations: MigrationService,
    private readonly drivers: LatticeDrivers,
  ) {
    super();
  }
  async run(): Promise<void> {
    out(`Migrating ${where(this.drivers)}`);
    const started = Date.now();
    const ran = await this.migrations.run();
    if (ran.length === 0) out('  nothing to do: every migration has run');
    for (const name of ran) out(`  ✔ ${name}`);
    out(`${ran.length} migration${ran.length === 1 ? '' : 's'} run in ${Date.now() - started} ms`);
  }
}

@Command({ name: 'db:migrate:revert', description: 'Revert the last migration that ran' })
export class MigrateRevertCommand extends CommandRunner {
  constructor(
    private readonly migrations: MigrationService,
    private readonly drivers: LatticeDrivers,
  ) {
    super();
  }
  async run(): Promise<void> {
    const name = await this.migrations.revert();
    out(
      name
        ? `✔ reverted ${name} on ${where(this.drivers)}`
        : `No migration has run on ${where(this.drivers)}; nothing to revert.`,
    );
  }
}

@Command({ name: 'db:migrate:status', description: 'List migrations and whether each has run' })
export class MigrateStatusCommand extends CommandRunner {
  constructor(
    private readonly migrations: MigrationService,
    private readonly drivers: LatticeDrivers,
  ) {
    super();
  }
  async run(): Promise<void> {
    const rows = await this.migrations.status();
    out(`Migrations on ${where(this.drivers)}`);
    if (rows.length === 0) out('  none found');
    for (const row of rows) out(`  ${row.applied ? '✔ applied' : '· pending'}  ${row.name}`);
    const pending = rows.filter((r) => !r.applied).length;
    out(pending ? `${pending} pending: run "lattice db:migrate"` : 'up to date');
  }
}

@Command({
  name: 'db:migrate:generate',
  arguments: '<name>',
  description:
    'Write a migration with the SQL that brings the database schema in line with the entities',
})
export class MigrateGenerateCommand extends CommandRunner {
  constructor(
    private readonly migrations: MigrationService,
    private readonly drivers: LatticeDrivers,
  ) {
    super();
  }
  async run([name]: string[]): Promise<void> {
    const generated = await this.migrations.generate(name);
    out(
      `✔ wrote ${relative(process.cwd(), generated.file)} (${generated.up.length} statements, for ${this.drivers.database.kind})`,
    );
    for (const sql of generated.up)
      out(`    ${sql.length > 110 ? `${sql.slice(0, 107)}...` : sql}`);
    out('Review it, then run "lattice db:migrate".');
  }
}

type SeedFlags = {
  seeder?: string;
  count?: number;
  seed?: number;
};

/** A progress bar on a terminal, plain lines otherwise (CI logs). */
class BarProgress implements SeedProgress {
  private bar: SingleBar | undefined;
  start(label: string, total: number): void {
    this.bar?.stop();
    this.bar = new SingleBar({
      format: `  ${label.padEnd(12)} [{bar}] {percentage}% {value}/{total}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      noTTYOutput: true,
      notTTYSchedule: 1000,
    });
    this.bar.start(total, 0);
  }
  advance(by = 1): void {
    this.bar?.increment(by);
  }
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

@Command({
  name: 'db:seed',
  description: 'Fill the database with seed data (each seeder runs once)',
})
export class SeedCommand extends CommandRunner {
  constructor(
    private readonly seeds: SeedRunner,
    private readonly drivers: LatticeDrivers,
  ) {
    super();
  }

  @Option({
    flags: '-s, --seeder <name>',
    description: 'run only this seeder (and the ones it depends on)',
  })
  parseSeeder(value: string): string {
    return value;
  }

  @Option({
    flags: '-c, --count <n>',
    description: 'how many rows the seeders make (each seeder scales its own)',
  })
  parseCount(value: string): number {
    return positive('--count', value);
  }

  @Option({
    flags: '--seed <n>',
    description: 'random seed number: the same number gives the same data (default 1)',
  })
  parseSeed(value: string): number {
    return positive('--seed', value);
  }

  async run(_args: string[], flags: SeedFlags = {}): Promise<void> {
    out(`Seeding ${where(this.drivers)} (seed ${flags.seed ?? 1})`);
    const started = Date.now();
    const progress = new BarProgress();
    const result = await this.seeds.run({ ...flags, progress });
    progress.stop();
    for (const name of result.ran) out(`  ✔ ${name}`);
    for (const name of result.skipped) out(`  · ${name} already ran; skipped`);
    out(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

function positive(flag: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value))
    throw new Error(`${flag} must be a whole number from 1 up (got "${value}").`);
  return Number(value);
}

/**
 * The db:* commands of a `lattice` command line (`runLatticeCli` of `@lattice/core/cli`);
 * import it next to `DatabaseModule.forRoot()` in the CLI's root module.
 */
@Module({
  providers: [
    MigrateCommand,
    MigrateRevertCommand,
    MigrateStatusCommand,
    MigrateGenerateCommand,
    SeedCommand,
  ],
})
export class DatabaseCommandsModule {}
