export * from './ai.constants';
export * from './ai.interfaces';
export * from './providers/offline';
export * from './vectors';
