export * from './lattice.module';
export * from './lattice.constants';
export * from './lattice.messages';
export {
  LATTICE_MODULE_OPTIONS,
  LATTICE_OPTIONS_TYPE,
  LATTICE_ASYNC_OPTIONS_TYPE,
} from './lattice.module-definition';
export * from './lattice.options';
export * from './interfaces';
export * from './errors';
export * from './config/config.schema';
export { loadLatticeConfig, maskUrlPassword, showValue } from './config/config.loader';
export * from './config/lattice.config';
export * from './drivers/drivers.interfaces';
export * from './drivers/lattice-drivers';
export * from './redis/redis-connections';
export * from './pubsub/pubsub';
export { MemoryPubSub } from './pubsub/memory.pubsub';
export { RedisPubSub, PUBSUB_SUBSCRIBER_CONNECTION } from './pubsub/redis.pubsub';
export * from './boot/boot-reporter';
export * from './boot/boot-report-part';
export * from './boot/exit-on-boot-error';
export * from './boot/close-on-signals';
export * from './validation/zod-body.pipe';
export * from './text/closest-name';
export * from './hooks/csrf-tokens';
export * from './hooks/public-route';
export * from './hooks/handler-guard';
export * from './options/module-options';
export * from './options/module-options.error';
export * from './options/check-options-at-boot';
export * from './lifecycle/lattice-shutdown';
export * from './lifecycle/lattice-shutdown.options';
export * from './lifecycle/enable-lattice-shutdown';
export * from './logging/sampled-log';
export * from './gauges/lattice-gauges';
export * from './lifecycle/node-left';
