import type { BroadcastableEvent } from '@lattice/events';
import type { PostStatus } from './question.entity';

/** An answer as the question page shows it. */
export interface AnswerView {
  id: number;
  body: string;
  author: { id: number; name: string };
  createdAt: string;
  /** A one-line summary of a long answer (decision 0037). */
  summary: string | null;
  /** Only `published` answers go on the channel; the author sees their own held one. */
  status: PostStatus;
}

/** The public channel of one question: everyone viewing it hears answers and votes. */
export const questionChannel = (questionId: number) => `question.${questionId}`;
/** New questions, for the home page's list: a public channel. */
export const QUESTIONS_CHANNEL = 'questions';
/** Who is viewing a question: a presence channel. */
export const viewersChannel = (questionId: number) => `question.${questionId}.viewers`;
/** A member's own notifications: a private channel. */
export const userChannel = (userId: number | string) => `user.${userId}`;

export class AnswerPosted implements BroadcastableEvent {
  constructor(
    readonly questionId: number,
    readonly answer: AnswerView,
  ) {}
  broadcastOn() {
    return questionChannel(this.questionId);
  }
  broadcastAs() {
    return 'answer.posted';
  }
  broadcastWith() {
    return this.answer;
  }
}

export class AnswerRemoved implements BroadcastableEvent {
  constructor(
    readonly questionId: number,
    readonly answerId: number,
  ) {}
  broadcastOn() {
    return questionChannel(this.questionId);
  }
  broadcastAs() {
    return 'answer.removed';
  }
  broadcastWith() {
    return { answerId: this.answerId };
  }
}

export class QuestionVoted implements BroadcastableEvent {
  constructor(
    readonly questionId: number,
    readonly score: number,
    /** The question stream's version after the vote. */
    readonly version: number,
  ) {}
  broadcastOn() {
    return questionChannel(this.questionId);
  }
  broadcastAs() {
    return 'vote.cast';
  }
  broadcastWith() {
    return { score: this.score, version: this.version };
  }
}

/** Tells a question's author, on their private channel, that someone answered it. */
export class QuestionAnswered implements BroadcastableEvent {
  constructor(
    readonly authorId: number,
    readonly notice: { questionId: number; title: string; answerId: number; by: string },
  ) {}
  broadcastOn() {
    return userChannel(this.authorId);
  }
  broadcastAs() {
    return 'notification';
  }
  broadcastWith() {
    return this.notice;
  }
}

/** A question was asked (the home page's list shows it at the top). */
export class QuestionAsked implements BroadcastableEvent {
  constructor(readonly question: { id: number; title: string; author: string; tags: string[] }) {}
  broadcastOn() {
    return QUESTIONS_CHANNEL;
  }
  broadcastAs() {
    return 'question.asked';
  }
  broadcastWith() {
    return this.question;
  }
}
