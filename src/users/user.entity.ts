import { LatticeEntity } from '@lattice/database';
import { Column, Entity, OneToMany } from 'typeorm';
import type { Question } from '../questions/question.entity';

export type Role = 'member' | 'moderator' | 'admin';

@Entity('users')
export class User extends LatticeEntity {
  @Column({ length: 80 })
  name: string;

  /** Never selected unless asked for (`addSelect('user.email')`), so APIs cannot leak it by accident. */
  @Column({ length: 190, unique: true, select: false })
  email: string;

  @Column({ type: 'varchar', length: 20, default: 'member' })
  role: Role;

  @Column({ default: 0 })
  reputation: number;

  @OneToMany('Question', (question: Question) => question.author)
  questions: Question[];
}
