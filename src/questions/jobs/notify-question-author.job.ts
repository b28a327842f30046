import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Job, JobContext, QueueJob, UnrecoverableJobError } from '@lattice/queue';
import { Logger } from '@nestjs/common';
import { Answer } from '../answer.entity';

export interface AnswerNotice {
  answerId: number;
}

/**
 * Tells a question's author that it got an answer. The Forum has no mail server, so the
 * notice is logged; the job shows the shape of one that calls out (retries, backoff, timeout).
 */
@QueueJob({
  queue: 'notifications',
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000 },
  timeout: 10_000,
  concurrency: 5,
})
export class NotifyQuestionAuthor extends Job<
  AnswerNotice,
  { notified: number } | { skipped: string }
> {
  private readonly logger = new Logger('Notifications');

  constructor(
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
  ) {
    super();
  }

  async handle({ answerId }: AnswerNotice, context: JobContext) {
    const answer = await this.answers
      .createQueryBuilder('a')
      .withDeleted()
      .innerJoinAndSelect('a.question', 'q')
      .innerJoinAndSelect('q.author', 'asker')
      .addSelect('asker.email')
      .innerJoinAndSelect('a.author', 'answerer')
      .where('a.id = :answerId', { answerId })
      .getOne();
    if (!answer) throw new UnrecoverableJobError(`answer ${answerId} does not exist`);
    if (answer.deletedAt) return { skipped: 'answer deleted before the notice went out' };
    if (answer.author.id === answer.question.author.id) return { skipped: 'own answer' };
    this.logger.log(
      `To ${answer.question.author.email}: ${answer.author.name} answered "${answer.question.title}" (job ${context.id})`,
    );
    return { notified: answer.question.author.id };
  }
}
