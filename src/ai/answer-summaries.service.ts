import { AIManager } from '@lattice/ai';
import { InjectCache, LatticeCache } from '@lattice/cache';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { ClusterManager } from '@lattice/cluster';
import { NoCapableNodeError, RoutedQueues } from '@lattice/cluster/queue';
import { Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Answer } from '../questions/answer.entity';
import { AI_CAPABILITY } from './forum-ai';
import { SummarizeAnswers } from './summarize-answers.job';

/** Answers at least this long get a one-line summary above them. */
export const LONG_ANSWER = 400;
const MAX_SUMMARY = 300;

/** The hash a summary is stored with: a new body (an edit) needs a new summary. */
export const contentHash = (body: string) => createHash('sha256').update(body).digest('hex');

/**
 * One-line summaries of long answers, computed once per answer content and stored on the row
 * (`summary`, `summary_hash`): when the answer is posted, or for older answers (the seed's) the
 * first time a page shows them; never on every render. Sentence ranking by the offline provider
 * unless a configured server summarizes. In a cluster where only some nodes have the server
 * (capability `ai`: AI_BASE_URL), a node without it routes the older answers' summaries to one
 * that has it (`SummarizeAnswers`, decision 0047) and shows them from the next view on; with no
 * such node up, it summarizes them itself, offline.
 */
@Injectable()
export class AnswerSummaries {
  private readonly logger = new Logger('AnswerSummaries');

  constructor(
    private readonly ai: AIManager,
    @InjectLatticeRepository(Answer) private readonly answers: LatticeRepository<Answer>,
    @InjectCache() private readonly cache: LatticeCache,
    @Optional() private readonly routed?: RoutedQueues,
    @Optional() private readonly cluster?: ClusterManager,
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
   * whether any was written (the question's cached copy is then stale). Routed to a node with
   * the AI server when this one has none, unless `here` (the routed job itself).
   */
  async fill(
    questionId: number,
    answers: Answer[],
    options: { here?: boolean } = {},
  ): Promise<boolean> {
    const missing = answers.filter(
      (answer) =>
        answer.body.length >= LONG_ANSWER && answer.summaryHash !== contentHash(answer.body),
    );
    if (missing.length === 0) return false;
    if (!options.here && (await this.routeElsewhere(questionId, missing))) return false;
    let wrote = false;
    for (const answer of missing) {
      const hash = contentHash(answer.body);
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

  /** Queues the summaries on a node with the AI server, if this one has none and another has. */
  private async routeElsewhere(questionId: number, missing: Answer[]): Promise<boolean> {
    if (!this.routed || !this.cluster) return false;
    if (this.cluster.settings.capabilities.includes(AI_CAPABILITY)) return false;
    // One job per question and set of bodies: a second view while it waits adds nothing.
    const bodies = contentHash(missing.map((a) => `${a.id}:${contentHash(a.body)}`).join(','));
    try {
      await this.routed.dispatch(
        SummarizeAnswers,
        { questionId },
        {
          capability: AI_CAPABILITY,
          key: `question:${questionId}`,
          jobId: `answer-summaries-${questionId}-${bodies.slice(0, 16)}`,
        },
      );
      return true;
    } catch (error) {
      // No node has a server: this one summarizes offline, as a single node does.
      if (!(error instanceof NoCapableNodeError))
        this.logger.warn(`Summaries not routed (${String(error)}); made here.`);
      return false;
    }
  }
}
