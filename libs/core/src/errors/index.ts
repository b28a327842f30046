export * from './lattice.error';
export * from './config-validation.error';
export * from './service-unavailable.error';
export * from './dependency-errors';
export * from './dependency-exception.filter';
