import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CLUSTER_OPTIONS_TYPE, ClusterConfigurableModule } from './cluster.module-definition';
import { DistributedLock } from './lock/distributed-lock';
import { LeaderElection } from './leader/leader-election';
import { OnLeaderExplorer } from './leader/on-leader.explorer';
import { FencedWrites } from './lock/fenced-writes';
import { WithLockExplorer } from './lock/with-lock.explorer';
import { ClusterManager } from './membership/cluster-manager';
import { ServiceDiscovery } from './discovery/service-discovery';

/**
 * Cluster membership, service discovery, balancing, leader election and distributed locks, on
 * the app's Redis (REDIS_URL), or a cluster of one without it. Global unless `isGlobal: false`;
 * options are checked at boot (`clusterOptionsSchema`).
 *
 * @example
 * @Module({ imports: [LatticeModule.forRoot(), ClusterModule.forRoot({ capabilities: ['ai'] })] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ClusterManager,
    ServiceDiscovery,
    LeaderElection,
    DistributedLock,
    FencedWrites,
    WithLockExplorer,
    OnLeaderExplorer,
  ],
  exports: [ClusterManager, ServiceDiscovery, LeaderElection, DistributedLock, FencedWrites],
})
export class ClusterModule extends ClusterConfigurableModule {
  /** Every option is optional: `ClusterModule.forRoot()` is a web node with the defaults. */
  static forRoot(options: typeof CLUSTER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
