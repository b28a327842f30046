import { LatticeEntity, SoftDeletable } from '@lattice/database';
import { Column, Entity, ManyToOne } from 'typeorm';
import { User } from '../users/user.entity';
import { Question } from './question.entity';

@Entity('answers')
export class Answer extends SoftDeletable(LatticeEntity) {
  @Column({ type: 'text' })
  body: string;

  @Column({ default: 0 })
  score: number;

  @Column({ default: false })
  accepted: boolean;

  @ManyToOne(() => Question, (question) => question.answers, {
    nullable: false,
    onDelete: 'CASCADE',
  })
  question: Question;

  @ManyToOne(() => User, { nullable: false, onDelete: 'CASCADE' })
  author: User;
}
