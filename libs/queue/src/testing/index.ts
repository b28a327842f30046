export * from './queue-fake';
