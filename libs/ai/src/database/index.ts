// `@lattice/ai/database`: usage in the app's SQL database, apart so that `@lattice/ai` does not load
// @lattice/database or TypeORM.
export * from './ai-usage-database.module';
export * from './ai-usage-day.entity';
export * from './sql-usage.store';
export { AI_USAGE_TABLE } from './ai-usage-database.constants';
