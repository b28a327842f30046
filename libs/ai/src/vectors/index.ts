export * from './vector-index';
export * from './sparse-vector-index';
