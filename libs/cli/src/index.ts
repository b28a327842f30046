export * from './cli.interfaces';
export * from './cli.messages';
export { runLattice, discoverLattice, buildLatticeProgram, type LatticeContext } from './lattice';
export {
  findApp,
  libraryEntries,
  commandEntryOf,
  appModuleFile,
  type AppPackage,
  type LibraryEntry,
  type PackageManifest,
} from './discovery/app-package';
export { commandsOf, isNestModule, type CommandDescription } from './discovery/command-metadata';
export { commandModulesOf, loadLibraries, loadAppCommands } from './discovery/load-commands';
export {
  findCollection,
  readCollection,
  DEFAULT_COLLECTION,
  type ResolvedCollection,
  type SchematicDescription,
  type SchemaProperty,
} from './schematics/collection';
export {
  flagsOf,
  schematicOptions,
  positionalOf,
  type SchematicFlag,
} from './schematics/schematic-options';
export {
  runSchematic,
  type SchematicChange,
  type SchematicRun,
} from './schematics/schematic-runner';
export { newApp, appFolderOf, PACKAGE_MANAGERS, type NewAppOptions } from './new/new-app';
