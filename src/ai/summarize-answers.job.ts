import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Job, QueueJob } from '@lattice/queue';
import { forwardRef, Inject } from '@nestjs/common';
import { Answer } from '../questions/answer.entity';
import { AI_ROUTED_QUEUE } from './forum-ai';
// A cycle (AnswerSummaries dispatches this job): the class is read when Nest resolves it, not when
// this file loads, and the parameter's type is type-only so its metadata does not read it either.
import type { AnswerSummaries } from './answer-summaries.service';
import * as summariesFile from './answer-summaries.service';

/**
 * Summaries of a question's long answers that have none for their body yet, on a node with the AI
 * server (capability `ai`): routed there by `AnswerSummaries.fill()` when the node showing the
 * page has none. Stores them and flushes the question's cache, so the next view shows them.
 */
@QueueJob({
  queue: AI_ROUTED_QUEUE,
  name: 'forum.answer-summaries',
  attempts: 3,
  backoff: { type: 'exponential', delay: 2000 },
  concurrency: 2,
})
export class SummarizeAnswers extends Job<{ questionId: number }, { wrote: boolean }> {
  constructor(
    @Inject(forwardRef(() => summariesFile.AnswerSummaries))
    private readonly summaries: AnswerSummaries,
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
  ) {
    super();
  }

  async handle({ questionId }: { questionId: number }): Promise<{ wrote: boolean }> {
    const answers = await this.answers.repository.find({ where: { question: { id: questionId } } });
    return { wrote: await this.summaries.fill(questionId, answers, { here: true }) };
  }
}
