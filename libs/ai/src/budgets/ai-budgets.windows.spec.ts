import { AiBudgetExceededException } from './ai-budget-exceeded.exception';
import { humanDuration, windowOf } from './ai-budgets.windows';

describe('budget windows', () => {
  const at = Date.UTC(2026, 11, 31, 23, 59, 30, 500); // the last half minute of a year

  it('aligns minutes, hours and days on UTC boundaries', () => {
    expect(windowOf('minute', at)).toEqual({
      start: Date.UTC(2026, 11, 31, 23, 59),
      end: Date.UTC(2027, 0, 1, 0, 0),
    });
    expect(windowOf('hour', at)).toEqual({
      start: Date.UTC(2026, 11, 31, 23),
      end: Date.UTC(2027, 0, 1),
    });
    expect(windowOf('day', at)).toEqual({
      start: Date.UTC(2026, 11, 31),
      end: Date.UTC(2027, 0, 1),
    });
  });

  it('runs months from the first of the month, whatever their length', () => {
    expect(windowOf('month', at)).toEqual({
      start: Date.UTC(2026, 11, 1),
      end: Date.UTC(2027, 0, 1),
    });
    expect(windowOf('month', Date.UTC(2028, 1, 29, 12))).toEqual({
      start: Date.UTC(2028, 1, 1),
      end: Date.UTC(2028, 2, 1),
    });
    // The end of one window is the start of the next.
    expect(windowOf('month', Date.UTC(2027, 0, 1)).start).toBe(windowOf('month', at).end);
  });

  it('says how long until a reset in words', () => {
    expect(humanDuration(400)).toBe('1 s');
    expect(humanDuration(42_000)).toBe('42 s');
    expect(humanDuration(90_000)).toBe('2 min');
    expect(humanDuration((7 * 60 + 48) * 60_000)).toBe('7 h 48 min');
    expect(humanDuration(3 * 86_400_000 + 3_600_000)).toBe('3 d 1 h');
  });
});

describe('AiBudgetExceededException', () => {
  it('is a 429 saying whose budget, its limit, what was used and when it resets', () => {
    const error = new AiBudgetExceededException({
      scope: 'user',
      user: '42',
      measure: 'tokens',
      limit: 10_000,
      used: 10_123,
      period: 'day',
      resetsAt: new Date(Date.UTC(2026, 11, 4)),
      retryAfterSeconds: 28_080,
    });
    expect(error.getStatus()).toBe(429);
    expect(error.message).toBe(
      'The AI budget of user "42" is spent: 10,000 tokens per day, 10,123 used. ' +
        'It resets at 2026-12-04T00:00:00.000Z (in 7 h 48 min).',
    );
    expect(error.headers).toEqual({ 'Retry-After': '28080' });
    expect(error.getResponse()).toMatchObject({
      statusCode: 429,
      code: 'LATTICE_AI_BUDGET_EXCEEDED',
      budget: 'user',
      user: '42',
      limit: 10_000,
      used: 10_123,
      resetsAt: '2026-12-04T00:00:00.000Z',
      retryAfterSeconds: 28_080,
    });
  });

  it('names the app’s budget and money amounts', () => {
    const error = new AiBudgetExceededException({
      scope: 'app',
      measure: 'cost',
      limit: 5,
      used: 5.01234,
      period: 'month',
      resetsAt: new Date(Date.UTC(2027, 0, 1)),
      retryAfterSeconds: 59,
    });
    expect(error.message).toBe(
      "The app's AI budget is spent: a cost of 5 per month, 5.0123 used. " +
        'It resets at 2027-01-01T00:00:00.000Z (in 59 s).',
    );
  });
});
