import { LatticeModule } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { Module } from '@nestjs/common';
import { RepositoriesController } from './repositories.controller.js';
import { RepositoryRepository } from './repository.entity.js';

@Module({
  imports: [
    LatticeModule.forRoot({ app: { name: 'Repository list' } }),
    DatabaseModule.forRoot({ synchronize: true }),
    DatabaseModule.forFeature([RepositoryRepository]),
  ],
  controllers: [RepositoriesController],
})
export class AppModule {}
