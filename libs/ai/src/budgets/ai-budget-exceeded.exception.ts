import { HttpException, HttpStatus } from '@nestjs/common';
import type { AiBudgetLimit } from '../ai.interfaces';
import { humanDuration } from './ai-budgets.windows';

/** Which budget refused a call, its limit, what was used, and when it resets. */
export interface AiBudgetRefusal {
  /** The user's budget (`perUser`) or the whole app's (`app`). */
  scope: 'user' | 'app';
  /** The user whose budget is spent (scope `user`). */
  user?: string;
  /** What ran out. */
  measure: 'tokens' | 'cost';
  limit: number;
  used: number;
  period: AiBudgetLimit['period'];
  /** When the next period starts and the budget is whole again. */
  resetsAt: Date;
  /** Whole seconds until then (at least 1): the `Retry-After` header's value. */
  retryAfterSeconds: number;
}

/**
 * A call refused before it was sent because a budget is spent: 429 Too Many Requests, with a
 * message saying which budget (the user's or the app's), its limit, what was used and when it
 * resets. `retryAfterSeconds` (and `headers['Retry-After']`) is the value to send as
 * `Retry-After`.
 */
export class AiBudgetExceededException extends HttpException {
  readonly code = 'LATTICE_AI_BUDGET_EXCEEDED';
  /** Headers to send with the 429: `{ 'Retry-After': '<seconds>' }`. */
  readonly headers: Record<string, string>;

  constructor(readonly refusal: AiBudgetRefusal) {
    super(
      {
        statusCode: 429,
        error: 'Too Many Requests',
        code: 'LATTICE_AI_BUDGET_EXCEEDED',
        message: describeRefusal(refusal),
        budget: refusal.scope,
        ...(refusal.user !== undefined && { user: refusal.user }),
        measure: refusal.measure,
        limit: refusal.limit,
        used: refusal.used,
        period: refusal.period,
        resetsAt: refusal.resetsAt.toISOString(),
        retryAfterSeconds: refusal.retryAfterSeconds,
      },
      HttpStatus.TOO_MANY_REQUESTS,
    );
    this.name = 'AiBudgetExceededException';
    this.headers = { 'Retry-After': String(refusal.retryAfterSeconds) };
  }

  get retryAfterSeconds(): number {
    return this.refusal.retryAfterSeconds;
  }
}

function describeRefusal(r: AiBudgetRefusal): string {
  const whose = r.scope === 'user' ? `The AI budget of user "${r.user}"` : "The app's AI budget";
  const number = (n: number) =>
    r.measure === 'tokens'
      ? Math.round(n).toLocaleString('en-US')
      : n.toLocaleString('en-US', { maximumFractionDigits: 4 });
  const limit =
    r.measure === 'tokens' ? `${number(r.limit)} tokens` : `a cost of ${number(r.limit)}`;
  return (
    `${whose} is spent: ${limit} per ${r.period}, ${number(r.used)} used. ` +
    `It resets at ${r.resetsAt.toISOString()} (in ${humanDuration(r.retryAfterSeconds * 1000)}).`
  );
}
