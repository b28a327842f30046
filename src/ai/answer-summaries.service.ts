import { AIManager } from '@lattice/ai';
import { InjectCache, LatticeCache } from '@lattice/cache';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Answer } from '../questions/answer.entity';

/** Answers at least this long get a one-line summary above them. */
export const LONG_ANSWER = 400;
const MAX_SUMMARY = 300;

/** The hash a summary is stored with: a new body (an edit) needs a new summary. */
export const contentHash = (body: string) => createHash('sha256').update(body).digest('hex');

/**
 * One-line summaries of long answers, computed once per answer content and stored on the row
 * (`summary`, `summary_hash`): when the answer is posted, or for older answers (the seed's) the
 * first time a page shows them; never on every render. Sentence ranking by the offline provider
 * unless a configured server summarizes.
 */
@Injectable()
export class AnswerSummaries {
  private readonly logger = new Logger('AnswerSummaries');

  constructor(
    private readonly ai: AIManager,
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
    @InjectCache() private readonly cache: LatticeCache,
  ) {}

  /** The summary of a body, or null for a short one (or when no provider could summarize). */
  async summarize(body: string, user?: string): Promise<string | null> {
    if (body.length < LONG_ANSWER) return null;
    try {
      const { summary } = await this.ai.summarize({
        text: body,
        sentences: 1,
        user,
        metadata: { feature: 'answer-summary' },
      });
      const line = summary.replace(/\s+/g, ' ').trim();
      if (!line) return null;
      return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
    } catch (error) {
      // A missing summary is not worth refusing an answer over.
      this.logger.warn(`No summary: ${String(error)}`);
      return null;
    }
  }

  /**
   * Summaries for long answers that have none for their current body yet, stored; returns
   * whether any was written (the question's cached copy is then stale).
   */
  async fill(questionId: number, answers: Answer[]): Promise<boolean> {
    let wrote = false;
    for (const answer of answers) {
      if (answer.body.length < LONG_ANSWER) continue;
      const hash = contentHash(answer.body);
      if (answer.summaryHash === hash) continue;
      const summary = await this.summarize(answer.body);
      if (!summary) continue;
      await this.answers.repository.update({ id: answer.id }, { summary, summaryHash: hash });
      answer.summary = summary;
      answer.summaryHash = hash;
      wrote = true;
    }
    if (wrote) await this.cache.tags([`question:${questionId}`]).flush();
    return wrote;
  }
}
