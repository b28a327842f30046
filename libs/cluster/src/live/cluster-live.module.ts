import { Module, type OnModuleInit, Inject } from '@nestjs/common';
import { ClusterLiveBinding } from './cluster-live.binding';
import { CLUSTER_LIVE_OPTIONS } from './cluster-live.constants';
import type { ClusterLiveModuleOptions } from './cluster-live.interfaces';
import { ClusterLiveMessages } from './cluster-live.messages';
import { ClusterLiveConfigurableModule } from './cluster-live.module-definition';
import { ClusterNodesComponent } from './cluster-nodes.component';

/**
 * The cluster's live admin view (`@lattice/cluster/live`, needs `@lattice/live`): registers the
 * `lattice-cluster-nodes` component and feeds it this node's membership events. Import it next
 * to `ClusterModule.forRoot()` and `LiveModule.forRoot()`, and place the component on a route
 * of yours guarded for admins.
 *
 * @example
 * @Module({ imports: [ClusterLiveModule.forRoot({ authorize: (ctx) => isAdmin(ctx.identity) })], controllers: [ClusterPage] })
 * export class ClusterAdminModule {}
 *
 * @Controller() class ClusterPage {
 *   @Get('admin/cluster') @Roles('admin') @LivePage(CLUSTER_NODES_COMPONENT, { title: 'Cluster' })
 *   page() { return {}; }
 * }
 */
@Module({
  providers: [ClusterNodesComponent, ClusterLiveBinding],
  exports: [ClusterNodesComponent],
})
export class ClusterLiveModule extends ClusterLiveConfigurableModule implements OnModuleInit {
  constructor(@Inject(CLUSTER_LIVE_OPTIONS) private readonly options: ClusterLiveModuleOptions) {
    super();
  }

  onModuleInit(): void {
    // At boot, not at the first visit: a page without a check must not start.
    if (typeof this.options?.authorize !== 'function') throw ClusterLiveMessages.authorizeMissing();
    const size = this.options.historySize;
    if (size !== undefined && (!Number.isInteger(size) || size < 2 || size > 600))
      throw ClusterLiveMessages.historySizeInvalid(size);
  }
}
