import { LatticeError } from '@lattice/core';

/** Every error the database library raises on purpose, each naming the thing, the cause and the fix. */
export const DatabaseMessages = {
  connectionFailed: (target: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_DB_CONNECTION_FAILED',
      `Cannot connect to the database at ${target}: ${cause instanceof Error ? cause.message : String(cause)}.`,
      target.startsWith('mysql:')
        ? 'Check that MySQL/MariaDB is running, that the database exists, and the user and password in DATABASE_URL.'
        : 'Check that the directory of the SQLite file exists and is writable, or set DATABASE_URL.',
      { cause },
    ),
  migrationFailed: (target: string, cause: unknown) =>
    new LatticeError(
      'LATTICE_DB_MIGRATION_FAILED',
      `A migration failed on ${target}: ${cause instanceof Error ? cause.message : String(cause)}.`,
      'The failed migration was rolled back. Check "lattice db:migrate:status" and the migration file; a table that already exists usually means the database was created by another set of migrations or by synchronize.',
      { cause },
    ),
  versionColumnMissing: (entity: string) =>
    new LatticeError(
      'LATTICE_DB_NOT_VERSIONED',
      `${entity} has no version column, so an update with expectedVersion cannot be checked.`,
      `Make the entity extend Versioned(...), or call update() without expectedVersion.`,
    ),
  seederCycle: (path: string[]) =>
    new LatticeError(
      'LATTICE_DB_SEEDER_CYCLE',
      `Seeders depend on each other in a circle: ${path.join(' → ')}.`,
      'Remove one of these dependsOn entries.',
    ),
  noDataSource: (what: string) =>
    new LatticeError(
      'LATTICE_DB_NOT_READY',
      `${what} needs the database, but DatabaseModule has not started.`,
      'Import DatabaseModule.forRoot() in the root module, and do not call this before the application is initialised.',
    ),
  repositoryWithoutEntity: (name: string) =>
    new LatticeError(
      'LATTICE_DB_REPOSITORY_ENTITY',
      `Repository ${name} does not say which entity it manages.`,
      `Decorate it with @EntityRepository(MyEntity) and list it in DatabaseModule.forFeature([...]).`,
    ),
  migrationDirMissing: () =>
    new LatticeError(
      'LATTICE_DB_MIGRATIONS_DIR',
      'No migrations directory is configured, so there is nowhere to write the new migration.',
      'Set DatabaseModule.forRoot({ migrationsDir: "<path to src/.../migrations>" }).',
    ),
  migrationNoChanges: () =>
    new LatticeError(
      'LATTICE_DB_NO_CHANGES',
      'The entities match the database schema: there is nothing to put in a migration.',
      'Change an entity first, or run db:migrate if migrations are pending.',
    ),
  migrationNameInvalid: (name: string) =>
    new LatticeError(
      'LATTICE_DB_MIGRATION_NAME',
      `"${name}" is not a usable migration name.`,
      'Use letters, digits, dashes or underscores, for example add-question-score.',
    ),
  seederUnknown: (name: string, known: string[]) =>
    new LatticeError(
      'LATTICE_DB_SEEDER_UNKNOWN',
      `Seeder "${name}" is not registered. Registered: ${known.join(', ') || 'none'}.`,
      'Check the name, or add the seeder class to DatabaseModule.forRoot({ seeders: [...] }).',
    ),
};
