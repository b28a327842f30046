import 'reflect-metadata';
import { exitOnBootError } from '@lattice/core';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';

// `npm run lattice -- <command>`: db:migrate, db:migrate:status, db:migrate:revert,
// db:migrate:generate <name>, db:seed [--seeder X] [--count N] [--seed N].
CommandFactory.run(CliModule, {
  logger: ['error', 'warn'],
  cliName: 'lattice',
  errorHandler: (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  },
}).catch(exitOnBootError);
