import { CacheModule } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { DatabaseCommandsModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { forumDatabase } from './database/forum-database';
import { forumConfigShape } from './forum.config';
import { QuestionsModule } from './questions/questions.module';

/** What the `lattice` command line loads for the Forum: its database and the commands, no HTTP server. */
@Module({
  imports: [
    LatticeModule.forRoot({ schema: forumConfigShape, bootReport: false }),
    forumDatabase({ migrateOnStart: false }),
    CacheModule.forRoot(),
    QuestionsModule,
    DatabaseCommandsModule,
  ],
})
export class CliModule {}
