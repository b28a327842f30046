// `@lattice/cluster/supervisor`: the worker supervisor behind `lattice queue:supervise` (needs @lattice/queue).
export * from './supervisor.interfaces';
export * from './scale-policy';
export * from './supervisor.options';
export * from './supervisor.config';
export * from './supervisor.messages';
export * from './supervisor.reporter';
export * from './worker-pool';
export * from './queue-load.source';
export * from './queue-supervisor';
export { QueueSuperviseCommand } from '../cli/queue-supervise.command';
