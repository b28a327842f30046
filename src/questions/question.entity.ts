import { LatticeEntity, SoftDeletable, Versioned } from '@lattice/database';
import { Column, Entity, Index, JoinTable, ManyToMany, ManyToOne, OneToMany } from 'typeorm';
import { User } from '../users/user.entity';
import type { Answer } from './answer.entity';
import { Tag } from './tag.entity';

/**
 * Where a post stands with the moderation: `published` (everyone sees it), `held` (flagged when
 * posted: only its author and moderators see it, until a moderator approves or rejects it),
 * `rejected` (a moderator refused it: still only its author and the moderators see it,
 * marked). Decision 0037.
 */
export type PostStatus = 'published' | 'held' | 'rejected';

@Entity('questions')
@Index(['createdAt', 'id'])
@Index(['score', 'id'])
@Index(['status', 'id'])
export class Question extends Versioned(SoftDeletable(LatticeEntity)) {
  @Column({ length: 200 })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ default: 0 })
  score: number;

  @Column({ default: 0 })
  answerCount: number;

  @Column({ type: 'varchar', length: 16, default: 'published' })
  status: PostStatus;

  /** Why the moderation held it (its categories), for the moderators' queue. */
  @Column({ type: 'varchar', length: 200, nullable: true })
  moderationReason: string | null;

  @ManyToOne(() => User, (user) => user.questions, { nullable: false, onDelete: 'CASCADE' })
  author: User;

  @ManyToMany(() => Tag)
  @JoinTable({ name: 'question_tags' })
  tags: Tag[];

  @OneToMany('Answer', (answer: Answer) => answer.question)
  answers: Answer[];
}
