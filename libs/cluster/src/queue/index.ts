// @lattice/cluster/queue: routed tasks on @lattice/queue (an optional peer of @lattice/cluster).
export * from './cluster-queue.module';
export * from './cluster-queue.constants';
export * from './cluster-queue.interfaces';
export * from './cluster-queue.messages';
export * from './routed-queues';
export { RoutedTakeover, type RoutedSource } from './routed-takeover';
