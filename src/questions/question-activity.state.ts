import { Apply, StateDefinition, type StateEvent, type StateReducer } from '@lattice/state';
import { z } from 'zod';

/** What happens to a question: the source of truth for its score and answer count. */
export interface QuestionActivity {
  score: number;
  answers: number;
  /** ISO time of the last vote or answer; null before any. */
  lastActivityAt: string | null;
}

/**
 * The stream `question:<id>`. It lives in the SQL store next to the forum's tables (so it
 * persists with the embedded SQLite file too); questions seeded before streams existed start
 * with an `imported` event carrying their counts (see QuestionActivityService).
 */
@StateDefinition({ name: 'question', store: 'sql', conflicts: 'retry', snapshotEvery: 50 })
export class QuestionActivityState implements StateReducer<QuestionActivity> {
  initial(): QuestionActivity {
    return { score: 0, answers: 0, lastActivityAt: null };
  }

  @Apply('imported', z.object({ score: z.number().int(), answers: z.number().int().min(0) }))
  imported(state: QuestionActivity, payload: { score: number; answers: number }): QuestionActivity {
    return { ...state, score: payload.score, answers: payload.answers };
  }

  @Apply('voted', z.object({ value: z.union([z.literal(1), z.literal(-1)]) }))
  voted(state: QuestionActivity, payload: { value: 1 | -1 }, event: StateEvent): QuestionActivity {
    return {
      ...state,
      score: state.score + payload.value,
      lastActivityAt: event.metadata.timestamp,
    };
  }

  /** A user turned their vote around: the score moves by the difference. */
  @Apply(
    'vote-changed',
    z.object({
      from: z.union([z.literal(1), z.literal(-1)]),
      to: z.union([z.literal(1), z.literal(-1)]),
    }),
  )
  voteChanged(
    state: QuestionActivity,
    payload: { from: 1 | -1; to: 1 | -1 },
    event: StateEvent,
  ): QuestionActivity {
    return {
      ...state,
      score: state.score - payload.from + payload.to,
      lastActivityAt: event.metadata.timestamp,
    };
  }

  @Apply('answered', z.object({ answerId: z.number().int().positive() }))
  answered(
    state: QuestionActivity,
    _payload: { answerId: number },
    event: StateEvent,
  ): QuestionActivity {
    return { ...state, answers: state.answers + 1, lastActivityAt: event.metadata.timestamp };
  }

  @Apply('answer-removed', z.object({ answerId: z.number().int().positive() }))
  answerRemoved(
    state: QuestionActivity,
    _payload: { answerId: number },
    event: StateEvent,
  ): QuestionActivity {
    return {
      ...state,
      answers: Math.max(0, state.answers - 1),
      lastActivityAt: event.metadata.timestamp,
    };
  }
}
