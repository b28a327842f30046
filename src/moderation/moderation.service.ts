import { InjectCache, LatticeCache } from '@lattice/cache';
import { InjectLatticeRepository, LatticeRepository, TransactionHost } from '@lattice/database';
import { EventDispatcher } from '@lattice/events';
import { ConflictException, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { SimilarQuestions } from '../ai/similar-questions.service';
import { Answer } from '../questions/answer.entity';
import { Question } from '../questions/question.entity';
import { QuestionRepository } from '../questions/question.repository';
import { QuestionsService } from '../questions/questions.service';
import {
  type HeldKind,
  type HeldPostView,
  heldAnswerView,
  heldQuestionView,
  PostModerated,
} from './moderation.events';

/** How many held posts the queue lists (oldest first). */
const QUEUE_SIZE = 100;

/**
 * The moderators' queue: posts the moderation held, and what a moderator decides about them.
 * Approving publishes the post as if it had just passed: a question is listed and findable as
 * similar; an answer is counted on its question's stream and its asker notified, the status
 * change and the count in one transaction (decision 0025). Rejecting hides it for good.
 */
@Injectable()
export class ModerationService {
  constructor(
    private readonly questions: QuestionRepository,
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
    private readonly posts: QuestionsService,
    private readonly transactions: TransactionHost,
    @InjectCache() private readonly cache: LatticeCache,
    @Optional() private readonly events?: EventDispatcher,
    @Optional() private readonly similar?: SimilarQuestions,
  ) {}

  /** Held questions and answers, oldest first. */
  async queue(): Promise<HeldPostView[]> {
    const [questions, answers] = await Promise.all([
      this.questions.repository.find({
        where: { status: 'held' },
        relations: { author: true },
        order: { id: 'ASC' },
        take: QUEUE_SIZE,
      }),
      this.answers.repository.find({
        where: { status: 'held' },
        relations: { author: true, question: true },
        order: { id: 'ASC' },
        take: QUEUE_SIZE,
      }),
    ]);
    return [...questions.map(heldQuestionView), ...answers.map(heldAnswerView)]
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id)
      .slice(0, QUEUE_SIZE);
  }

  async approve(kind: HeldKind, id: number, moderatorId: number): Promise<void> {
    if (kind === 'question') {
      const question = await this.decide(Question, id, 'published');
      await this.flush([`question:${id}`, 'questions:list', 'questions:popular']);
      await this.posts.announceQuestion(question);
    } else {
      const answer = await this.transactions.run(
        async () => {
          const answer = await this.decide(Answer, id, 'published');
          await this.posts.countAnswer(answer);
          return answer;
        },
        { retries: 3 },
      );
      await this.flush([`question:${answer.question.id}`]);
      await this.posts.announceAnswer(answer);
    }
    this.events?.dispatch(new PostModerated(kind, id, 'approved', `user:${moderatorId}`));
  }

  async reject(kind: HeldKind, id: number, moderatorId: number): Promise<void> {
    if (kind === 'question') {
      await this.decide(Question, id, 'rejected');
      this.similar?.remove(id);
      await this.flush([`question:${id}`, 'questions:list', 'questions:popular']);
    } else {
      const answer = await this.decide(Answer, id, 'rejected');
      await this.flush([`question:${answer.question.id}`]);
    }
    this.events?.dispatch(new PostModerated(kind, id, 'rejected', `user:${moderatorId}`));
  }

  /**
   * Moves a held post to its new status. Conditional on `held`, so of two moderators deciding at
   * once one wins and the other gets a 409 (and an answer is never counted twice).
   */
  private async decide<T extends Question | Answer>(
    entity: new () => T,
    id: number,
    status: 'published' | 'rejected',
  ): Promise<T> {
    const manager = this.transactions.manager;
    const repository = manager.getRepository(entity);
    const post = await repository.findOne({
      where: { id } as never,
      relations: (entity === Question
        ? { author: true, tags: true }
        : { author: true, question: { author: true } }) as never,
    });
    const what = entity === Question ? 'question' : 'answer';
    if (!post) throw new NotFoundException(`There is no ${what} ${id}.`);
    const changed = await repository.update({ id, status: 'held' } as never, { status } as never);
    if (changed.affected !== 1)
      throw new ConflictException(
        `The ${what} ${id} is not awaiting review (it is ${post.status}); reload the queue.`,
      );
    post.status = status;
    return post;
  }

  private flush(tags: string[]): Promise<void> {
    return this.cache.tags(tags).flush();
  }
}
