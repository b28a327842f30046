// `@lattice/ai/cli`: the ai:* commands, apart so that `@lattice/ai` does not load the command line.
export * from './ai.commands';
