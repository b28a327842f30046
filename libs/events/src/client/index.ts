export * from './events-client';
