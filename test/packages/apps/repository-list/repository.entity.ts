import { EntityRepository, LatticeEntity, LatticeRepository } from '@lattice/database';
import { Column, Entity } from 'typeorm';

@Entity('repositories')
export class Repository extends LatticeEntity {
  @Column({ length: 100 })
  name: string;
}

@EntityRepository(Repository)
export class RepositoryRepository extends LatticeRepository<Repository> {}
