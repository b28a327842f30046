export * from './queue-dashboard.module';
export * from './queue-dashboard.module-definition';
export * from './queue-dashboard.interfaces';
export * from './queue-dashboard.constants';
export * from './queue-dashboard.options';
export * from './queue-manager.board-adapter';
