import { InjectCache, LatticeCache } from '@lattice/cache';
import { LiveUpdates } from '@lattice/live';
import { StateManager, type EventInput } from '@lattice/state';
import { Injectable, Optional } from '@nestjs/common';
import type { QuestionActivity } from './question-activity.state';
import { QuestionRepository } from './question.repository';

/** The topic every question list follows; a vote publishes `{ id, score }` on it. */
export const SCORES_TOPIC = 'questions:scores';

/**
 * Votes and answers as events on the question's state stream. The `questions` table keeps
 * `score` and `answer_count` as a projection of the stream (lists sort on them); caches are
 * flushed and open live lists told after each change.
 */
@Injectable()
export class QuestionActivityService {
  constructor(
    private readonly state: StateManager,
    private readonly questions: QuestionRepository,
    @InjectCache() private readonly cache: LatticeCache,
    // Absent in the command line, which has no live pages.
    @Optional() private readonly live?: LiveUpdates,
  ) {}

  async vote(questionId: number, value: 1 | -1, actor?: string): Promise<QuestionActivity> {
    const activity = await this.record(questionId, { type: 'voted', payload: { value } }, actor);
    await this.cache
      .tags([`question:${questionId}`, 'questions:popular', 'questions:list'])
      .flush();
    // Every open list, on every node, hears it.
    await this.live?.publish(SCORES_TOPIC, { id: questionId, score: activity.score });
    return activity;
  }

  async answered(questionId: number, answerId: number, actor?: string): Promise<QuestionActivity> {
    const activity = await this.record(
      questionId,
      { type: 'answered', payload: { answerId } },
      actor,
    );
    await this.cache.tags([`question:${questionId}`, 'questions:list']).flush();
    return activity;
  }

  /** The question's activity and the stream version it reflects; 404 for an unknown question. */
  async activity(questionId: number) {
    const question = await this.questions.findById(questionId);
    const { state, version } = await this.state.get<QuestionActivity>(`question:${questionId}`);
    // Before its first event a question's counts are still only in its row.
    const counts =
      version === 0 ? { ...state, score: question.score, answers: question.answerCount } : state;
    return { streamId: `question:${questionId}`, version, ...counts };
  }

  private async record(questionId: number, event: EventInput, actor?: string) {
    const question = await this.questions.findById(questionId);
    // A question from before streams existed starts its stream with the counts it had.
    const { state } = await this.state.dispatch<QuestionActivity>(
      `question:${questionId}`,
      (_current, version) =>
        version === 0
          ? [
              {
                type: 'imported',
                payload: { score: question.score, answers: question.answerCount },
              },
              event,
            ]
          : event,
      { actor },
    );
    await this.questions.repository.update(
      { id: questionId },
      { score: state.score, answerCount: state.answers },
    );
    return state;
  }
}
