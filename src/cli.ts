import 'reflect-metadata';
import { runLattice } from '@lattice/cli';
import { DatabaseCommandsModule } from '@lattice/database/cli';
import { QueueCommandsModule } from '@lattice/queue/cli';
import { SecurityCommandsModule } from '@lattice/security/cli';
import { CliModule } from './cli.module';

// `npx lattice <command>` (bin/lattice.js, npm run lattice): @lattice/cli's command line. An app
// that installs the libraries from npm needs none of this file (lattice finds them in its
// package.json); the Forum takes them from libs/ in this repository, so it names them here.
void runLattice({
  description: 'The command line of Lattice Forum',
  app: { name: 'lattice-forum', module: CliModule },
  libraries: [
    { library: '@lattice/database', module: DatabaseCommandsModule },
    { library: '@lattice/queue', module: QueueCommandsModule },
    { library: '@lattice/security', module: SecurityCommandsModule },
  ],
});
