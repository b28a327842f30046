export * from './events-queue.module';
export * from './queued-listeners';
