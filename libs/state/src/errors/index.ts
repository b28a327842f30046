export * from './invalid-state-input.error';
export * from './state-conflict.error';
