import { CacheModule } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { DatabaseCommandsModule } from '@lattice/database/cli';
import { QueueModule } from '@lattice/queue';
import { QueueCommandsModule } from '@lattice/queue/cli';
import { StateModule } from '@lattice/state';
import { SecurityCommandsModule } from '@lattice/security/cli';
import { Module } from '@nestjs/common';
import { forumDatabase } from './database/forum-database';
import { forumConfigShape } from './forum.config';
import { QuestionsModule } from './questions/questions.module';
import { forumSecurity } from './security/forum-security';

/** What the `lattice` command line loads for the Forum: its database, queues and the commands, no HTTP server. */
@Module({
  imports: [
    LatticeModule.forRoot({ schema: forumConfigShape, bootReport: false }),
    forumDatabase({ migrateOnStart: false }),
    CacheModule.forRoot(),
    // Jobs are only dispatched and inspected here; `lattice queue:work` starts workers itself.
    QueueModule.forRoot({ worker: false }),
    StateModule.forRoot({ devtools: false }),
    // Its entities (sessions, audit log) are part of the schema the migrations are diffed against.
    forumSecurity({ cli: true }),
    QuestionsModule,
    DatabaseCommandsModule,
    QueueCommandsModule,
    SecurityCommandsModule,
  ],
})
export class CliModule {}
