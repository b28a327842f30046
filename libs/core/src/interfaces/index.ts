export * from './lattice-module-options.interface';
