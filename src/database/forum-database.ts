import { LatticeConfig, LatticeDrivers } from '@lattice/core';
import { DatabaseModule, LoggerProgress, SeedRunner } from '@lattice/database';
import { QueueManager } from '@lattice/queue';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { join } from 'node:path';
import { forumConfigShape } from '../forum.config';
import { RecomputeTagStats } from '../questions/jobs/recompute-tag-stats.job';
import { ForumSeeder } from './seeds/forum.seeder';

/**
 * The Forum's database: migrations per driver (generated SQL differs between SQLite and MySQL).
 * The app runs them at start on the embedded SQLite default; on MySQL they are a deploy step
 * (`npx lattice db:migrate`), and the CLI never runs them implicitly.
 */
export function forumDatabase({ migrateOnStart }: { migrateOnStart: boolean }) {
  return DatabaseModule.forRootAsync({
    inject: [LatticeDrivers],
    useFactory: (drivers: LatticeDrivers) => ({
      migrationsDir: join(__dirname, 'migrations', drivers.database.kind),
      migrationsRun: migrateOnStart && drivers.database.kind === 'sqlite',
      seeders: [ForumSeeder],
    }),
  });
}

/** Seeds an empty embedded database at start, so `npm start` shows a forum with content. */
@Injectable()
export class SeedOnStart implements OnApplicationBootstrap {
  private readonly logger = new Logger('Seed');
  private finish!: () => void;
  /** Resolves when the start's seeding is over (or was not needed): what reads all rows at start waits for it. */
  readonly done = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(
    private readonly seeds: SeedRunner,
    private readonly drivers: LatticeDrivers,
    private readonly config: LatticeConfig<typeof forumConfigShape>,
    private readonly queues: QueueManager,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.seed();
    } finally {
      this.finish();
    }
  }

  private async seed(): Promise<void> {
    const mode = this.config.get('FORUM_SEED_ON_START');
    if (mode === 'never' || (mode === 'auto' && this.drivers.database.kind !== 'sqlite')) return;
    // Demo data includes accounts with a published password: never implicitly in production.
    if (mode === 'auto' && this.config.isProduction) {
      if (await this.seeds.pending())
        this.logger.warn(
          'Empty database in production: not seeding demo data (it has accounts with a published password). FORUM_SEED_ON_START=always seeds anyway.',
        );
      return;
    }
    if (!(await this.seeds.pending())) return;
    const started = Date.now();
    this.logger.log('Empty database: seeding the forum (set FORUM_SEED_ON_START=never to skip)…');
    await this.seeds.run({ progress: new LoggerProgress(this.logger) });
    this.logger.log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await this.queues
      .dispatch(RecomputeTagStats, undefined)
      .unique('tag-stats')
      .catch((error: unknown) => this.logger.warn(`Tag statistics not queued: ${String(error)}`));
  }
}
