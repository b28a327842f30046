import { LatticeError } from '@lattice/core';
import { AI_USAGE_TABLE } from './ai-usage-database.constants';

/** What the SQL usage store reports: the thing, the cause, the fix. */
export const AiUsageDatabaseMessages = {
  tableMissing: (database: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_AI_USAGE_TABLE_MISSING',
      `The AI usage table "${AI_USAGE_TABLE}" does not exist in ${database}.`,
      'Import AiUsageDatabaseModule in the module the migrations are generated from (the CLI module), run "lattice db:migrate:generate ai-usage", then "lattice db:migrate".',
      { cause },
    ),
};
