import { Cacheable, CacheEvict } from '@lattice/cache';
import {
  InjectLatticeRepository,
  LatticeRepository,
  Transactional,
  TransactionHost,
} from '@lattice/database';
import { EventDispatcher } from '@lattice/events';
import { QueueManager } from '@lattice/queue';
import { QueueOutbox } from '@lattice/queue/outbox';
import {
  BadRequestException,
  Injectable,
  Logger,
  NotFoundException,
  Optional,
  UnauthorizedException,
} from '@nestjs/common';
import { In, IsNull } from 'typeorm';
import { z } from 'zod';
import { AnswerSummaries, contentHash } from '../ai/answer-summaries.service';
import { PostModeration, type ModerationVerdict } from '../ai/post-moderation.service';
import { SimilarQuestions } from '../ai/similar-questions.service';
import { PostHeld } from '../moderation/moderation.events';
import { User } from '../users/user.entity';
import { Answer } from './answer.entity';
import { NotifyQuestionAuthor } from './jobs/notify-question-author.job';
import { QuestionActivityService } from './question-activity.service';
import {
  AnswerPosted,
  AnswerRemoved,
  type AnswerView,
  QuestionAnswered,
  QuestionAsked,
} from './question.events';
import { Question } from './question.entity';
import { QuestionRepository } from './question.repository';
import { Tag } from './tag.entity';
import { WriteLimits } from './write-limits';

export const answerInput = z.object({
  body: z.string().trim().min(1).max(20_000),
});
export type AnswerInput = z.output<typeof answerInput>;

export const questionInput = z.object({
  title: z.string().trim().min(10).max(200),
  body: z.string().trim().min(1).max(20_000),
  /** Names of existing tags, one to five. */
  tags: z
    .array(
      z
        .string()
        .trim()
        .toLowerCase()
        .regex(/^[a-z0-9-]{1,50}$/),
    )
    .min(1)
    .max(5),
});
export type QuestionInput = z.output<typeof questionInput>;

const PUBLISHED: ModerationVerdict = { status: 'published', reason: null };

/** Reads that many visitors repeat, cached and tagged so writes can invalidate them precisely. */
@Injectable()
export class QuestionsService {
  private readonly logger = new Logger('Questions');

  constructor(
    private readonly questions: QuestionRepository,
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
    @InjectLatticeRepository(User) private readonly users: LatticeRepository<User>,
    @InjectLatticeRepository(Tag) private readonly tags: LatticeRepository<Tag>,
    private readonly queues: QueueManager,
    private readonly activity: QuestionActivityService,
    private readonly transactions: TransactionHost,
    // Absent in the command line, which broadcasts nothing and posts no answers.
    @Optional() private readonly events?: EventDispatcher,
    @Optional() private readonly limits?: WriteLimits,
    @Optional() private readonly jobs?: QueueOutbox,
    // The AI features (ForumAiModule, global in the app; absent in the command line).
    @Optional() private readonly moderation?: PostModeration,
    @Optional() private readonly summaries?: AnswerSummaries,
    @Optional() private readonly similar?: SimilarQuestions,
  ) {}

  /**
   * The ten best-scored questions. The ranking (ids) is cached under `questions:popular`,
   * each question under its own tag `question:<id>`: a new answer refreshes that question
   * in the list without recomputing the ranking; a score change flushes the ranking.
   */
  async popular(): Promise<Question[]> {
    const ids = await this.popularIds();
    return Promise.all(ids.map((id) => this.find(id)));
  }

  @Cacheable({ key: 'questions:popular:ids', tags: ['questions:popular'], ttl: 30_000 })
  async popularIds(): Promise<number[]> {
    const rows = await this.questions
      .createQueryBuilder('q')
      .select('q.id', 'id')
      .where('q.status = :published', { published: 'published' })
      .orderBy('q.score', 'DESC')
      .addOrderBy('q.id', 'DESC')
      .limit(10)
      .getRawMany<{ id: number }>();
    return rows.map((row) => Number(row.id));
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

  /**
   * Adds an answer. The row, the event that counts it and the notice to the question's author
   * (an outbox row) are one transaction: all three are stored or none is. The relay queues the
   * notice after the commit, so a worker never looks for an answer that is not there yet, and
   * retries while Redis is down instead of dropping it.
   */
  async answer(questionId: number, authorId: number, input: AnswerInput): Promise<Answer> {
    await this.limits?.count('answer', authorId);
    // The AI calls come before the transaction: it never waits on a provider.
    const [verdict, summary] = await Promise.all([
      this.check(input.body, authorId),
      this.summaries?.summarize(input.body, String(authorId)) ?? null,
    ]);
    const answer = await this.transactions.run(
      async () => {
        const answer = await this.saveAnswer(questionId, authorId, input, verdict, summary);
        // A held answer is counted when a moderator approves it (ModerationService).
        if (verdict.status === 'published') await this.countAnswer(answer);
        return answer;
      },
      { retries: 3 },
    );
    if (verdict.status === 'published') await this.announceAnswer(answer);
    else this.events?.dispatch(PostHeld.answer(answer));
    return answer;
  }

  /**
   * Counts a published answer on the question's stream and queues the notice to the asker; in
   * the transaction that saved or published the row (decision 0025).
   */
  async countAnswer(answer: Answer): Promise<void> {
    const questionId = answer.question.id;
    // The answer count lives on the question's state stream; the table keeps a projection.
    await this.activity.answered(questionId, answer.id, `user:${answer.author.id}`);
    await this.jobs?.dispatch(NotifyQuestionAuthor, { answerId: answer.id });
  }

  /** After the commit: viewers of the question see it at once, its author gets a notification. */
  async announceAnswer(answer: Answer): Promise<void> {
    const questionId = answer.question.id;
    this.events?.dispatch(new AnswerPosted(questionId, answerView(answer)));
    if (answer.question.author.id !== answer.author.id)
      this.events?.dispatch(
        new QuestionAnswered(answer.question.author.id, {
          questionId,
          title: answer.question.title,
          answerId: answer.id,
          by: answer.author.name,
        }),
      );
    // Without the outbox (the command line), straight to the queue.
    if (!this.jobs) await this.queues.dispatch(NotifyQuestionAuthor, { answerId: answer.id });
  }

  @CacheEvict({ tags: (questionId: number) => [`question:${questionId}`] })
  @Transactional()
  async saveAnswer(
    questionId: number,
    authorId: number,
    input: AnswerInput,
    verdict: ModerationVerdict = PUBLISHED,
    summary: string | null = null,
  ): Promise<Answer> {
    const question = await this.questions.findById(questionId, { relations: { author: true } });
    const author = await this.users.repository.findOneBy({ id: authorId });
    // A valid token whose account was deleted since.
    if (!author) throw new UnauthorizedException('Your account no longer exists; log in again.');
    const answer = await this.answers.create({
      body: input.body,
      question,
      author,
      status: verdict.status,
      moderationReason: verdict.reason,
      summary,
      summaryHash: summary ? contentHash(input.body) : null,
    });
    return answer;
  }

  /** The moderation's verdict on a new post; published unchecked where there is none (the CLI). */
  private check(text: string, authorId: number): Promise<ModerationVerdict> {
    return this.moderation?.check(text, authorId) ?? Promise.resolve(PUBLISHED);
  }

  /**
   * Asks a question; the home page's live lists show it at once, or, when the moderation holds
   * it, the moderators' queue does (only its author sees it until a moderator approves it).
   */
  async ask(authorId: number, input: QuestionInput): Promise<Question> {
    await this.limits?.count('question', authorId);
    const verdict = await this.check(`${input.title}\n\n${input.body}`, authorId);
    const question = await this.saveQuestion(authorId, input, verdict);
    if (verdict.status === 'published') await this.announceQuestion(question);
    else this.events?.dispatch(PostHeld.question(question));
    return question;
  }

  /** A question is published (asked, or approved): listed live, and findable as similar. */
  async announceQuestion(question: Question): Promise<void> {
    const tags = question.tags.map((tag) => tag.name);
    this.events?.dispatch(
      new QuestionAsked({
        id: question.id,
        title: question.title,
        author: question.author.name,
        tags,
      }),
    );
    await this.similar
      ?.add({ id: question.id, title: question.title, tags })
      .catch((error: unknown) => this.logger.warn(`Not indexed as similar: ${String(error)}`));
  }

  /** Unknown tag names are refused with the ones that exist. */
  @CacheEvict({ tags: ['questions:list'] })
  @Transactional()
  async saveQuestion(
    authorId: number,
    input: QuestionInput,
    verdict: ModerationVerdict = PUBLISHED,
  ): Promise<Question> {
    const author = await this.users.repository.findOneBy({ id: authorId });
    if (!author) throw new UnauthorizedException('Your account no longer exists; log in again.');
    const tags = await this.tags.repository.find({ where: { name: In(input.tags) } });
    const unknown = input.tags.filter((name) => !tags.some((tag) => tag.name === name));
    if (unknown.length) {
      const known = (await this.tags.repository.find({ order: { name: 'ASC' } })).map(
        (t) => t.name,
      );
      throw new BadRequestException(
        `tags: unknown ${unknown.map((n) => `"${n}"`).join(', ')}; use one of ${known.join(', ')}.`,
      );
    }
    return this.questions.create({
      title: input.title,
      body: input.body,
      author,
      tags,
      status: verdict.status,
      moderationReason: verdict.reason,
    });
  }

  /** Deletes (soft) an answer of the question; who may is decided by the route's `@Can`. */
  async deleteAnswer(questionId: number, answerId: number, actorId: number): Promise<void> {
    // The soft delete and its event commit together, like an answer and its count.
    await this.transactions.run(
      async () => {
        await this.removeAnswer(questionId, answerId);
        // Two deletes at once: only the one that removed it reaches here (see removeAnswer).
        await this.activity.answerRemoved(questionId, answerId, `user:${actorId}`);
      },
      { retries: 3 },
    );
    this.events?.dispatch(new AnswerRemoved(questionId, answerId));
  }

  @CacheEvict({ tags: (questionId: number) => [`question:${questionId}`] })
  @Transactional()
  async removeAnswer(questionId: number, answerId: number): Promise<void> {
    const answer = await this.answers.repository.findOne({
      where: { id: answerId, question: { id: questionId } },
    });
    const missing = () =>
      new NotFoundException(`Question ${questionId} has no answer ${answerId}.`);
    if (!answer) throw missing();
    // Conditional, so of two deletes at once (two nodes) one deletes and the other gets a 404.
    const deleted = await this.answers.repository.softDelete({ id: answerId, deletedAt: IsNull() });
    if (deleted.affected !== 1) throw missing();
  }

  /** Who wrote an answer (for the `delete:answer:own` rule); undefined when there is none. */
  async answerAuthorId(answerId: number): Promise<number | undefined> {
    const answer = await this.answers.repository.findOne({
      where: { id: answerId },
      relations: { author: true },
    });
    return answer?.author.id;
  }
}

/** What the question page and its channel show of an answer. */
export function answerView(answer: Answer): AnswerView {
  return {
    id: answer.id,
    body: answer.body,
    author: { id: answer.author.id, name: answer.author.name },
    createdAt: new Date(answer.createdAt).toISOString(),
    summary: answer.summary ?? null,
    status: answer.status ?? 'published',
  };
}
