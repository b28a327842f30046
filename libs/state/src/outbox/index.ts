export * from './state-outbox';
export * from './state-outbox.module';
