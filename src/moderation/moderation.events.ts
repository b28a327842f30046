import type { BroadcastableEvent } from '@lattice/events';
import type { Answer } from '../questions/answer.entity';
import type { Question } from '../questions/question.entity';

/** The moderators' private channel: posts held, and decisions taken (ModerationChannels). */
export const MODERATION_CHANNEL = 'moderation';

export type HeldKind = 'question' | 'answer';

/** A held post as the moderators' queue shows it. */
export interface HeldPostView {
  kind: HeldKind;
  id: number;
  /** The question it is (a question) or answers (an answer). */
  questionId: number;
  questionTitle: string;
  /** The question's title and body, or the answer's body. */
  text: string;
  author: { id: number; name: string };
  reason: string | null;
  createdAt: string;
}

/** The key a held post has in the queue (questions and answers have separate ids). */
export const heldKey = (post: { kind: HeldKind; id: number }) => `${post.kind}-${post.id}`;

/** A new post the moderation held: it appears in every open moderators' queue. */
export class PostHeld implements BroadcastableEvent {
  constructor(readonly post: HeldPostView) {}

  static question(question: Question): PostHeld {
    return new PostHeld(heldQuestionView(question));
  }

  static answer(answer: Answer): PostHeld {
    return new PostHeld(heldAnswerView(answer));
  }

  broadcastOn() {
    return MODERATION_CHANNEL;
  }
  broadcastAs() {
    return 'post.held';
  }
  broadcastWith() {
    return this.post;
  }
}

/** A moderator approved or rejected a held post: it leaves every queue. */
export class PostModerated implements BroadcastableEvent {
  constructor(
    readonly kind: HeldKind,
    readonly id: number,
    readonly decision: 'approved' | 'rejected',
    readonly by: string,
  ) {}
  broadcastOn() {
    return MODERATION_CHANNEL;
  }
  broadcastAs() {
    return 'post.moderated';
  }
  broadcastWith() {
    return { kind: this.kind, id: this.id, decision: this.decision, by: this.by };
  }
}

export function heldQuestionView(question: Question): HeldPostView {
  return {
    kind: 'question',
    id: question.id,
    questionId: question.id,
    questionTitle: question.title,
    text: question.body,
    author: { id: question.author.id, name: question.author.name },
    reason: question.moderationReason,
    createdAt: new Date(question.createdAt).toISOString(),
  };
}

export function heldAnswerView(answer: Answer): HeldPostView {
  return {
    kind: 'answer',
    id: answer.id,
    questionId: answer.question.id,
    questionTitle: answer.question.title,
    text: answer.body,
    author: { id: answer.author.id, name: answer.author.name },
    reason: answer.moderationReason,
    createdAt: new Date(answer.createdAt).toISOString(),
  };
}
