export * from './queue-job.decorator';
export * from './on-queue-event.decorator';
