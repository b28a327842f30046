export * from './ai.constants';
export * from './ai.interfaces';
export * from './cache/ai-response-cache';
export * from './cache/replay-stream';
export * from './budgets/ai-budgets';
export * from './budgets/ai-budgets.constants';
export * from './budgets/ai-budget-exceeded.exception';
