export * from './socket-client';
