import { EntityRepository, LatticeRepository, ListQuery, Page } from '@lattice/database';
import { Question } from './question.entity';

@EntityRepository(Question)
export class QuestionRepository extends LatticeRepository<Question> {
  /** A page of questions with their author and tags, loaded with the page (no N+1). */
  list(query: ListQuery<Question>): Promise<Page<Question>> {
    return this.paginate(query, {
      // Held and rejected questions are listed to nobody (their author finds them on their page).
      scope: (qb, q) => qb.andWhere(`${q}.status = 'published'`),
      load: (qb, q) =>
        qb.leftJoinAndSelect(`${q}.author`, 'author').leftJoinAndSelect(`${q}.tags`, 'tag'),
    });
  }
}
