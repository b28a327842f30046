// `@lattice/queue/cli`: the queue:* commands, apart so that `@lattice/queue` does not load the command line.
export * from './queue.commands';
