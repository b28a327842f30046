export * from './events.module';
export * from './events.constants';
export * from './events.interfaces';
export * from './events.messages';
export * from './event-name';
export * from './decorators';
export * from './dispatch/event-dispatcher';
export * from './dispatch/async-event-dispatcher';
