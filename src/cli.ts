import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AiCommandsModule } from '@lattice/ai/cli';
import { runLattice } from '@lattice/cli';
import { ClusterCommandsModule } from '@lattice/cluster/cli';
import { DatabaseCommandsModule } from '@lattice/database/cli';
import { QueueCommandsModule } from '@lattice/queue/cli';
import { SecurityCommandsModule } from '@lattice/security/cli';
import { CliModule } from './cli.module';

// `npx lattice <command>` (bin/lattice.js, npm run lattice): @lattice/cli's command line. An app
// that installs the libraries from npm needs none of this file (lattice finds them in its
// package.json); the Forum takes them from libs/ in this repository, so it names them here.
// make:* and new use this repository's schematics once built (npm run build:schematics); from
// src/ in a checkout, from dist/src/ in the build.
const collection = ['..', '../..']
  .map((up) => join(__dirname, up, 'schematics', 'dist', 'collection.json'))
  .find((file) => existsSync(file));

void runLattice({
  collection,
  description: 'The command line of Lattice Forum',
  app: { name: 'lattice-forum', module: CliModule },
  libraries: [
    { library: '@lattice/ai', module: AiCommandsModule },
    { library: '@lattice/cluster', module: ClusterCommandsModule },
    { library: '@lattice/database', module: DatabaseCommandsModule },
    { library: '@lattice/queue', module: QueueCommandsModule },
    { library: '@lattice/security', module: SecurityCommandsModule },
  ],
});
