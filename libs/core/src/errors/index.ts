export * from './lattice.error';
export * from './config-validation.error';
