// `@lattice/cluster/cli`: the cluster:* commands, apart so that `@lattice/cluster` does not load the command line.
export * from './cluster-status.command';
