import { ClusterLiveModule } from '@lattice/cluster/live';
import { AuthorizationManager } from '@lattice/security';
import { Module } from '@nestjs/common';
import { SiteLayoutModule } from '../layout/site-layout.module';
import { ClusterPageController } from './cluster-page.controller';

/**
 * The admins' view of the cluster (decision 0041): every node with its role, status, load,
 * heartbeat and the leader, updated on each membership event, at `/admin/cluster`. The route
 * is guarded by `@Roles('admin')`; the component asks again at every mount and rejoin.
 */
@Module({
  imports: [
    SiteLayoutModule,
    ClusterLiveModule.forRootAsync({
      inject: [AuthorizationManager],
      useFactory: (authorization: AuthorizationManager) => ({
        authorize: ({ identity }) =>
          Boolean(
            identity &&
            authorization.hasRole(
              { id: String(identity.id), roles: (identity.roles as string[] | undefined) ?? [] },
              'admin',
            ),
          ),
      }),
    }),
  ],
  controllers: [ClusterPageController],
})
export class ClusterAdminModule {}
