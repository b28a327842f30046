import { CacheModule } from '@lattice/cache';
import { ClusterModule } from '@lattice/cluster';
import { LatticeModule } from '@lattice/core';
import { QueueModule } from '@lattice/queue';
import { StateModule } from '@lattice/state';
import { Module } from '@nestjs/common';
import { AiUsageDatabaseModule } from '@lattice/ai/database';
import { forumDatabase } from './database/forum-database';
import { forumConfigShape } from './forum.config';
import { QuestionsModule } from './questions/questions.module';
import { forumSecurity } from './security/forum-security';

/** Whether this command line runs `lattice queue:work` (a long-lived worker, a cluster member). */
function isQueueWorker(argv: readonly string[]): boolean {
  return argv.slice(2).includes('queue:work');
}

/**
 * The Forum's configuration for the `lattice` command line (src/cli.ts): its database, queues
 * and security, no HTTP server. The libraries' commands run inside it; it has no commands of its own.
 */
@Module({
  imports: [
    LatticeModule.forRoot({ schema: forumConfigShape, bootReport: false }),
    forumDatabase({ migrateOnStart: false }),
    // AI usage in the Forum's database, on both paths: `lattice ai:usage` reads it (decision 0035).
    AiUsageDatabaseModule,
    CacheModule.forRoot(),
    // Jobs are only dispatched and inspected here; `lattice queue:work` starts workers itself.
    QueueModule.forRoot({ worker: false }),
    StateModule.forRoot({ devtools: false }),
    // `lattice cluster:status` reads the membership registry on the app's REDIS_URL. Commands
    // observe (decision 0040): they are never members, never lead, take no routed jobs. Only
    // `lattice queue:work` is a real worker of the cluster, and joins it as one.
    ClusterModule.forRoot({ role: 'worker', observe: !isQueueWorker(process.argv) }),
    // Its entities (sessions, audit log) are part of the schema the migrations are diffed against.
    forumSecurity({ cli: true }),
    QuestionsModule,
  ],
})
export class CliModule {}
