// The shipped strategies and their helpers; LoadBalancer itself is exported by the library's index.
export * from './balancing.constants';
export * from './balancing.interfaces';
export * from './balancing.messages';
export { murmur3 } from './murmur3';
export * from './strategies/round-robin.strategy';
export * from './strategies/least-connections.strategy';
export * from './strategies/weighted.strategy';
export * from './strategies/consistent-hash.strategy';
export * from './strategies/power-of-two.strategy';
