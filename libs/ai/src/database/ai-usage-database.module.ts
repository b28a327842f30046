import { DatabaseModule, TransactionHost } from '@lattice/database';
import { Global, Module } from '@nestjs/common';
import { AI_USAGE_STORE } from '../usage/ai-usage.constants';
import { AiUsageDayEntity } from './ai-usage-day.entity';
import { SqlAiUsageStore } from './sql-usage.store';

/**
 * Keeps AI usage in the app's SQL database (`lattice_ai_usage`, SQLite or MySQL through
 * DatabaseModule) instead of Redis or memory: `AiUsage` and `lattice ai:usage` both read it.
 * Global: it binds `AI_USAGE_STORE` for `AiModule` and for the command line's `AiCommandsModule`.
 * Import it after DatabaseModule in the app's module and in the CLI's, whose entities the
 * migrations are generated from (the table needs a migration, decision 0035).
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), DatabaseModule.forRoot(), AiModule.forRoot(), AiUsageDatabaseModule] })
 * export class AppModule {}
 */
@Global()
@Module({
  imports: [DatabaseModule.forFeature([AiUsageDayEntity])],
  providers: [
    {
      provide: AI_USAGE_STORE,
      inject: [TransactionHost],
      useFactory: (transactions: TransactionHost) => new SqlAiUsageStore(transactions),
    },
  ],
  exports: [AI_USAGE_STORE],
})
export class AiUsageDatabaseModule {}
