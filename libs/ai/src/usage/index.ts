export * from './ai-usage';
export * from './ai-usage.constants';
export * from './ai-usage.interfaces';
export * from './ai-usage.histogram';
export * from './ai-call-outcome';
export * from './stores/memory-usage.store';
export * from './stores/redis-usage.store';
