import { DynamicModule, Global, Module, Provider } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { BootReporter } from './boot/boot-reporter';
import { loadLatticeConfig } from './config/config.loader';
import { LatticeConfig } from './config/lattice.config';
import { LatticeDrivers } from './drivers/lattice-drivers';
import { DependencyErrors } from './errors/dependency-errors';
import { DependencyExceptionFilter } from './errors/dependency-exception.filter';
import type { LatticeModuleOptions } from './interfaces/lattice-module-options.interface';
import { LATTICE_NODE_ID } from './lattice.constants';
import { LatticeGauges } from './gauges/lattice-gauges';
import { LatticeShutdown } from './lifecycle/lattice-shutdown';
import {
  LATTICE_MODULE_OPTIONS,
  LATTICE_OPTIONS_TYPE,
  LatticeConfigurableModule,
} from './lattice.module-definition';
import { MemoryPubSub } from './pubsub/memory.pubsub';
import { PubSub } from './pubsub/pubsub';
import { RedisPubSub } from './pubsub/redis.pubsub';
import { RedisConnections } from './redis/redis-connections';

const providers: Provider[] = [
  {
    provide: LatticeConfig,
    inject: [LATTICE_MODULE_OPTIONS],
    useFactory: (options: LatticeModuleOptions) => loadLatticeConfig(options),
  },
  {
    provide: LatticeDrivers,
    inject: [LatticeConfig, LATTICE_MODULE_OPTIONS],
    useFactory: (config: LatticeConfig, options: LatticeModuleOptions) =>
      new LatticeDrivers(config, options.drivers),
  },
  {
    provide: LATTICE_NODE_ID,
    useFactory: () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
  },
  RedisConnections,
  {
    provide: PubSub,
    inject: [LatticeDrivers, LATTICE_NODE_ID, RedisConnections],
    useFactory: (drivers: LatticeDrivers, nodeId: string, redis: RedisConnections) =>
      drivers.for('pubsub') === 'redis' ? new RedisPubSub(nodeId, redis) : new MemoryPubSub(nodeId),
  },
  BootReporter,
  LatticeShutdown,
  LatticeGauges,
  DependencyErrors,
  // Outages answer 503 + Retry-After and conflicts 409, in every app (see DependencyErrors).
  { provide: APP_FILTER, useClass: DependencyExceptionFilter },
];

/**
 * The root of every Lattice app: validated configuration, driver selection, the shared
 * Redis connections and PubSub. Always global, so feature modules inject these without
 * importing it. Its options are checked at boot (`latticeOptionsSchema`); `forRootAsync`
 * takes `useFactory`, `useClass` or `useExisting`.
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot({ app: { name: 'Forum' } })] })
 * export class AppModule {}
 */
@Global()
@Module({
  providers,
  // The options too: libraries read `app.name` (security's default JWT audience) by injection.
  exports: [
    LatticeConfig,
    LatticeDrivers,
    LATTICE_NODE_ID,
    RedisConnections,
    PubSub,
    BootReporter,
    LATTICE_MODULE_OPTIONS,
    LatticeShutdown,
    LatticeGauges,
    DependencyErrors,
  ],
})
export class LatticeModule extends LatticeConfigurableModule {
  /** Every option is optional: `LatticeModule.forRoot()` reads the environment and `.env`. */
  static forRoot(options: typeof LATTICE_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
