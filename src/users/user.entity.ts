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

  /** argon2id PHC string; null for accounts that cannot log in (seeded authors). Never selected by default. */
  @Column({ type: 'varchar', length: 255, nullable: true, select: false })
  passwordHash: string | null;

  @Column({ type: 'varchar', length: 20, default: 'member' })
  role: Role;

  @Column({ default: 0 })
  reputation: number;

  @OneToMany('Question', (question: Question) => question.author)
  questions: Question[];
}
