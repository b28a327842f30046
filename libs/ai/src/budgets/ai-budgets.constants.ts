/**
 * An optional provider of the clock budgets read (`() => number`, ms since the epoch); tests give
 * one to move into the next period without waiting for it. Default `Date.now`.
 */
export const AI_BUDGETS_CLOCK = Symbol('lattice:ai:budgets-clock');
