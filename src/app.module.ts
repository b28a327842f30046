import { CacheModule } from '@lattice/cache';
import { LatticeConfig, LatticeModule } from '@lattice/core';
import { QueueDashboardModule, QueueModule } from '@lattice/queue';
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
    QueueModule.forRootAsync({
      inject: [LatticeConfig],
      useFactory: (config: LatticeConfig<typeof forumConfigShape>) => ({
        worker: config.get('QUEUE_WORKERS') === 'on',
        queues: { notifications: { concurrency: 5 }, maintenance: { concurrency: 1 } },
      }),
    }),
    // bull-board; it gets the admin guard with the security issue.
    QueueDashboardModule.forRoot({ route: '/admin/queues' }),
    HealthModule,
    QuestionsModule,
  ],
  controllers: [HomeController],
  providers: [StatusGateway, SeedOnStart],
})
export class AppModule {}
