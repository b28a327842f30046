import { EntityRepository, LatticeRepository, ListQuery, Page } from '@lattice/database';
import { Question } from './question.entity';

@EntityRepository(Question)
export class QuestionRepository extends LatticeRepository<Question> {
  /** A page of questions with their author and tags, loaded with the page (no N+1). */
  list(query: ListQuery<Question>): Promise<Page<Question>> {
    return this.paginate(query, {
      load: (qb, q) =>
        qb.leftJoinAndSelect(`${q}.author`, 'author').leftJoinAndSelect(`${q}.tags`, 'tag'),
    });
  }
}
