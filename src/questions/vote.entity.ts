import { LatticeEntity } from '@lattice/database';
import { Column, Entity, ManyToOne, Unique } from 'typeorm';
import { User } from '../users/user.entity';
import { Question } from './question.entity';

/** A user's vote on a question: the join between users and questions, with its own value. */
@Entity('votes')
@Unique(['user', 'question'])
export class Vote extends LatticeEntity {
  @ManyToOne(() => User, { nullable: false, onDelete: 'CASCADE' })
  user: User;

  @ManyToOne(() => Question, { nullable: false, onDelete: 'CASCADE' })
  question: Question;

  /** +1 or -1. */
  @Column({ type: 'smallint' })
  value: number;
}
