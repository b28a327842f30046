import { LatticeEntity } from '@lattice/database';
import { Column, Entity } from 'typeorm';

@Entity('tags')
export class Tag extends LatticeEntity {
  @Column({ length: 50, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 200, default: '' })
  description: string;

  /** Questions under this tag, recounted by the RecomputeTagStats job. */
  @Column({ default: 0 })
  questionCount: number;
}
