// `@lattice/database/cli`: the db:* commands, apart so that `@lattice/database` does not load the command line.
export * from './database.commands';
