import { LatticeModule } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { RepositoryRepository } from './repository.entity.js';

/** What `npx lattice` runs the db:* commands in: found by convention as dist/cli.module.js. */
@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Repository list' }, bootReport: false }),
    DatabaseModule.forRoot(),
    DatabaseModule.forFeature([RepositoryRepository]),
  ],
})
export class CliModule {}
