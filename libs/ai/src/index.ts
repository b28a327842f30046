export * from './ai.constants';
export * from './ai.interfaces';
