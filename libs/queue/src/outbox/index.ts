export * from './queue-outbox';
export * from './queue-outbox.module';
