import { LatticeEntity, SoftDeletable, Versioned } from '@lattice/database';
import { Column, Entity, Index, JoinTable, ManyToMany, ManyToOne, OneToMany } from 'typeorm';
import { User } from '../users/user.entity';
import type { Answer } from './answer.entity';
import { Tag } from './tag.entity';

@Entity('questions')
@Index(['createdAt', 'id'])
@Index(['score', 'id'])
export class Question extends Versioned(SoftDeletable(LatticeEntity)) {
  @Column({ length: 200 })
  title: string;

  @Column({ type: 'text' })
  body: string;

  @Column({ default: 0 })
  score: number;

  @Column({ default: 0 })
  answerCount: number;

  @ManyToOne(() => User, (user) => user.questions, { nullable: false, onDelete: 'CASCADE' })
  author: User;

  @ManyToMany(() => Tag)
  @JoinTable({ name: 'question_tags' })
  tags: Tag[];

  @OneToMany('Answer', (answer: Answer) => answer.question)
  answers: Answer[];
}
