export * from './ai.constants';
export * from './ai.interfaces';
export * from './plugins';
export * from './usage';
