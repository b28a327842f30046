/**
 * An event that also goes to browsers: `EventDispatcher.dispatch()` of one broadcasts it on
 * its channels, through `WebSocketEventBroadcaster`.
 *
 * @example
 * export class AnswerPosted implements BroadcastableEvent {
 *   constructor(readonly questionId: number, readonly answerId: number) {}
 *   broadcastOn() { return `question.${this.questionId}`; }
 *   broadcastAs() { return 'answer.posted'; }
 *   broadcastWith() { return { answerId: this.answerId }; }
 * }
 */
export interface BroadcastableEvent {
  /** The channel or channels it goes to. */
  broadcastOn(): string | string[];
  /** The name clients listen for (default: the event's name). */
  broadcastAs?(): string;
  /** The data clients get (default: the event's own fields). */
  broadcastWith?(): unknown;
}

export function isBroadcastable(value: unknown): value is BroadcastableEvent {
  return typeof (value as BroadcastableEvent | undefined)?.broadcastOn === 'function';
}
