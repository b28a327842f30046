import { bootReportPart } from '@lattice/core';
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
 * The boot report's cluster line: `cluster: redis (node web-1-…, web, heartbeat 1000 ms, ttl 5000 ms)`;
 * an observer says `observer` instead of its role (it is not a member).
 */
function describeMembership(cluster: ClusterManager) {
  const { role, heartbeatMs, ttlMs } = cluster.settings;
  return {
    driver: cluster.driver,
    detail: `node ${cluster.nodeId}, ${cluster.observing ? 'observer' : role}, heartbeat ${heartbeatMs} ms, ttl ${ttlMs} ms`,
  };
}

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
    bootReportPart('cluster', { inject: [ClusterManager], describe: describeMembership }),
  ],
  exports: [ClusterManager, ServiceDiscovery, LeaderElection, DistributedLock, FencedWrites],
})
export class ClusterModule extends ClusterConfigurableModule {
  /** Every option is optional: `ClusterModule.forRoot()` is a web node with the defaults. */
  static forRoot(options: typeof CLUSTER_OPTIONS_TYPE = {}): DynamicModule {
    return super.forRoot(options);
  }
}
