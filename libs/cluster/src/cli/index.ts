// `@lattice/cluster/cli`: the cluster's commands, apart so that `@lattice/cluster` does not load the command line.
export * from './cluster-commands.module';
export * from './queue-supervise.command';
export * from '../supervisor/supervisor.interfaces';
export * from '../supervisor/scale-policy';
export * from '../supervisor/supervisor.options';
export * from '../supervisor/supervisor.config';
export * from '../supervisor/supervisor.messages';
export * from '../supervisor/supervisor.reporter';
export * from '../supervisor/worker-pool';
export * from '../supervisor/queue-load.source';
export * from '../supervisor/queue-supervisor';
