export * from './cli.constants';
export * from './cli.interfaces';
export * from './cli.decorators';
export * from './cli.errors';
export * from './cli.messages';
export { CliExplorer, type DiscoveredCommand, type DiscoveredOption } from './cli.explorer';
export * from './command-runner';
export * from './lattice-cli';
export * from './lattice-cli.module';
