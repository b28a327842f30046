import { InjectCache, LatticeCache } from '@lattice/cache';
import { InjectLatticeRepository, LatticeRepository } from '@lattice/database';
import { EventDispatcher } from '@lattice/events';
import { LiveUpdates } from '@lattice/live';
import { isUniqueViolation } from '@lattice/security';
import { StateManager, type EventInput } from '@lattice/state';
import { ConflictException, Injectable, Optional } from '@nestjs/common';
import type { QuestionActivity } from './question-activity.state';
import { QuestionVoted } from './question.events';
import { QuestionRepository } from './question.repository';
import { Vote } from './vote.entity';
import { WriteLimits } from './write-limits';

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
    @InjectLatticeRepository(Vote) private readonly votes: LatticeRepository<Vote>,
    @InjectCache() private readonly cache: LatticeCache,
    // Absent in the command line, which has no live pages and broadcasts nothing.
    @Optional() private readonly live?: LiveUpdates,
    @Optional() private readonly events?: EventDispatcher,
    @Optional() private readonly limits?: WriteLimits,
  ) {}

  /**
   * A user's vote: one per user and question (the `votes` row, unique per pair, is the gate);
   * voting the other way changes it, voting the same way again changes nothing.
   */
  async vote(questionId: number, value: 1 | -1, userId: number): Promise<void> {
    await this.questions.findById(questionId); // 404 before anything is written
    await this.limits?.count('vote', userId);
    const previous = await this.votes.repository.findOne({
      where: { user: { id: userId }, question: { id: questionId } },
    });
    if (previous?.value === value) return;
    // The row is the gate, and the condition makes it one: of two requests turning the same
    // vote around at once (two tabs, two nodes), only one changes the row and records it.
    const alreadyCounted = () => new ConflictException('This vote is already being counted.');
    if (previous) {
      const changed = await this.votes.repository.update(
        { id: previous.id, value: previous.value },
        { value },
      );
      if (changed.affected !== 1) throw alreadyCounted();
    } else {
      try {
        await this.votes.repository.insert({
          user: { id: userId },
          question: { id: questionId },
          value,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw alreadyCounted();
        throw error;
      }
    }
    const event: EventInput = previous
      ? { type: 'vote-changed', payload: { from: previous.value, to: value } }
      : { type: 'voted', payload: { value } };
    let recorded: { state: QuestionActivity; version: number };
    try {
      recorded = await this.record(questionId, event, `user:${userId}`);
    } catch (error) {
      // The stream refused it: put the row back, so the next try is not taken for a repeat.
      if (previous)
        await this.votes.repository.update({ id: previous.id, value }, { value: previous.value });
      else
        await this.votes.repository.delete({
          user: { id: userId },
          question: { id: questionId },
          value,
        });
      throw error;
    }
    await this.cache
      .tags([`question:${questionId}`, 'questions:popular', 'questions:list'])
      .flush();
    // Every open list, on every node, hears it.
    const score = recorded.state.score;
    await this.live?.publish(SCORES_TOPIC, { id: questionId, score });
    this.events?.dispatch(new QuestionVoted(questionId, score, recorded.version));
  }

  async answered(questionId: number, answerId: number, actor?: string): Promise<QuestionActivity> {
    const { state } = await this.record(
      questionId,
      { type: 'answered', payload: { answerId } },
      actor,
    );
    await this.cache.tags([`question:${questionId}`, 'questions:list']).flush();
    return state;
  }

  /** An answer was deleted (by a moderator or its author). */
  async answerRemoved(questionId: number, answerId: number, actor: string): Promise<void> {
    await this.record(questionId, { type: 'answer-removed', payload: { answerId } }, actor);
    await this.cache.tags([`question:${questionId}`, 'questions:list']).flush();
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
    const { state, version } = await this.state.dispatch<QuestionActivity>(
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
    return { state, version };
  }
}
