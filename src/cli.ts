import 'reflect-metadata';
import { runLatticeCli } from '@lattice/core/cli';
import { CliModule } from './cli.module';

// `npx lattice <command>`: db:migrate, db:migrate:status, db:migrate:revert,
// db:migrate:generate <name>, db:seed, queue:*, audit:verify, security:reencrypt; --help lists them.
void runLatticeCli(CliModule, {
  name: 'lattice',
  description: 'The command line of Lattice Forum',
});
