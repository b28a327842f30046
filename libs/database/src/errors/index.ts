export * from './entity-not-found.error';
export * from './invalid-query.error';
export * from './optimistic-lock.error';
export * from './database-errors';
