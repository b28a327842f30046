import { LatticeEntity, SoftDeletable } from '@lattice/database';
import { Column, Entity, Index, ManyToOne } from 'typeorm';
import { User } from '../users/user.entity';
import { type PostStatus, Question } from './question.entity';

@Entity('answers')
@Index(['status', 'id'])
export class Answer extends SoftDeletable(LatticeEntity) {
  @Column({ type: 'text' })
  body: string;

  @Column({ default: 0 })
  score: number;

  @Column({ default: false })
  accepted: boolean;

  /** See Question.status (decision 0037). */
  @Column({ type: 'varchar', length: 16, default: 'published' })
  status: PostStatus;

  @Column({ type: 'varchar', length: 200, nullable: true })
  moderationReason: string | null;

  /**
   * A one-line summary of a long answer, computed once per content: `summaryHash` is the hash of
   * the body it was made from, so an edited body gets a new one (decision 0037).
   */
  @Column({ type: 'varchar', length: 300, nullable: true })
  summary: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  summaryHash: string | null;

  @ManyToOne(() => Question, (question) => question.answers, {
    nullable: false,
    onDelete: 'CASCADE',
  })
  question: Question;

  @ManyToOne(() => User, { nullable: false, onDelete: 'CASCADE' })
  author: User;
}
