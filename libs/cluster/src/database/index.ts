// `@lattice/cluster/database`: fenced writes in the app's SQL database, apart so that
// `@lattice/cluster` does not load TypeORM.
export * from './fenced-update';
