import { Cacheable } from '@lattice/cache';
import { Injectable } from '@nestjs/common';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';

/** Reads that many visitors repeat, cached and tagged so writes can invalidate them precisely. */
@Injectable()
export class QuestionsService {
  constructor(private readonly questions: QuestionRepository) {}

  /** The ten best-scored questions, tagged `questions:popular`: a write that changes scores flushes the tag. */
  @Cacheable({ key: 'questions:popular', tags: ['questions:popular'], ttl: 30_000 })
  async popular(): Promise<Question[]> {
    return this.questions
      .createQueryBuilder('q')
      .leftJoinAndSelect('q.author', 'author')
      .orderBy('q.score', 'DESC')
      .addOrderBy('q.id', 'DESC')
      .limit(10)
      .getMany();
  }

  /** One question with its answers, cached under the tag `question:<id>`. */
  @Cacheable({
    key: (id: number) => `question:${id}`,
    tags: (id: number) => [`question:${id}`],
    ttl: 30_000,
  })
  async find(id: number): Promise<Question> {
    return this.questions.findById(id, {
      relations: { author: true, tags: true, answers: { author: true } },
    });
  }
}
