export * from './outbox';
export * from './outbox-relay';
export * from './outbox.module';
export { OUTBOX_OPTIONS_TYPE, OUTBOX_ASYNC_OPTIONS_TYPE } from './outbox.module-definition';
export * from './outbox.constants';
export * from './outbox.interfaces';
export * from './outbox.messages';
export { ensureOutboxTable } from './outbox.table';
