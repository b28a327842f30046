import 'reflect-metadata';
import { exitOnBootError, LatticeError } from '@lattice/core';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli.module';

const fail = (error: Error): never => {
  process.stderr.write(`${error instanceof LatticeError ? error.describe() : error.message}\n`);
  process.exit(1);
};

// `npx lattice <command>`: db:migrate, db:migrate:status, db:migrate:revert,
// db:migrate:generate <name>, db:seed [--seeder X] [--count N] [--seed N]; --help lists them.
CommandFactory.run(CliModule, {
  logger: ['error', 'warn'],
  cliName: 'lattice',
  abortOnError: false,
  // commander's own errors (unknown command, missing argument); help and version end normally.
  errorHandler: (error) => {
    const code = (error as Error & { code?: string }).code ?? '';
    if (
      [
        'commander.helpDisplayed',
        'commander.help',
        'commander.version',
        'commander.executeSubCommandAsync',
      ].includes(code)
    )
      process.exit(0);
    process.exit(1); // commander has already printed the error
  },
  // errors thrown while a command runs, including option parsers ("--count must be …")
  serviceErrorHandler: fail,
}).catch(exitOnBootError);
