import { Component, ComponentService, html, On, type LiveContext } from '@lattice/live';
import { UseState } from '@lattice/live/state';
import { z } from 'zod';
import { QuestionActivityService } from '../question-activity.service';
import type { QuestionActivity } from '../question-activity.state';
import { QuestionRepository } from '../question.repository';

interface CardState {
  id: number;
  title: string;
  /** The row's counts, shown until the question's stream has its first vote or answer. */
  seeded: { score: number; answers: number };
  activity: QuestionActivity;
  /** Why a vote did not count. */
  notice?: string;
}

/**
 * One question's live activity (`/demo/question/:id`), bound to its state stream: a vote
 * from any browser, on any node, or an answer posted through the API re-renders every card.
 */
@UseState('question:{id}', { as: 'activity' })
@Component({ name: 'question-card' })
export class QuestionCard extends ComponentService<{ id: number }, CardState> {
  constructor(
    private readonly questions: QuestionRepository,
    private readonly activity: QuestionActivityService,
  ) {
    super();
  }

  async mount({ id }: { id: number }) {
    const question = await this.questions.findById(id);
    return {
      id,
      title: question.title,
      seeded: { score: question.score, answers: question.answerCount },
    } as CardState;
  }

  render({ id, title, seeded, activity, notice }: CardState) {
    const counts = activity.lastActivityAt === null ? seeded : activity;
    return html`<article class="question-card"><h2><a href="/q/${id}">${title}</a></h2><p><button data-l-click="vote" data-l-value-value="1" aria-label="Vote up">▲</button> <b class="score">${counts.score}</b> <button data-l-click="vote" data-l-value-value="-1" aria-label="Vote down">▼</button> · <span class="answers">${counts.answers}</span> answers · last activity <time>${activity.lastActivityAt ?? 'none yet'}</time></p>${notice ? html`<p class="notice" role="status">${notice} <a href="/login">Log in</a></p>` : ''}</article>`;
  }

  @On('vote', z.object({ value: z.coerce.number().pipe(z.union([z.literal(1), z.literal(-1)])) }))
  async vote({ value }: { value: 1 | -1 }, state: CardState, context: LiveContext): Promise<void> {
    if (!context.identity) return this.setState({ notice: 'Log in to vote.' });
    // The change comes back through the stream binding, on this node and every other.
    await this.activity.vote(state.id, value, Number(context.identity.id));
  }
}
