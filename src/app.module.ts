import { CacheModule } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import { Module } from '@nestjs/common';
import { forumDatabase, SeedOnStart } from './database/forum-database';
import { forumConfigShape } from './forum.config';
import { FORUM_VERSION } from './forum.constants';
import { HealthModule } from './health/health.module';
import { HomeController } from './home/home.controller';
import { QuestionsModule } from './questions/questions.module';
import { StatusGateway } from './status/status.gateway';

@Module({
  imports: [
    LatticeModule.forRoot({
      app: { name: 'Lattice Forum', version: FORUM_VERSION },
      schema: forumConfigShape,
    }),
    forumDatabase({ migrateOnStart: true }),
    CacheModule.forRoot(),
    HealthModule,
    QuestionsModule,
  ],
  controllers: [HomeController],
  providers: [StatusGateway, SeedOnStart],
})
export class AppModule {}
