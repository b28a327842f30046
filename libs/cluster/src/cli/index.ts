// `@lattice/cluster/cli`: the cluster's commands, apart so that `@lattice/cluster` does not load the
// command line. queue:supervise comes with them when @lattice/queue is installed.
export * from './cluster-commands.module';
export * from './cluster-status.command';
