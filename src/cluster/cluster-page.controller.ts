import { CLUSTER_NODES_COMPONENT } from '@lattice/cluster/live';
import { LivePage } from '@lattice/live';
import { Roles } from '@lattice/security';
import { Controller, Get } from '@nestjs/common';

/** `/admin/cluster`: the cluster's nodes, live (`@lattice/cluster/live`), for admins. */
@Controller()
export class ClusterPageController {
  @Get('admin/cluster')
  @Roles('admin')
  @LivePage(CLUSTER_NODES_COMPONENT, { title: 'Cluster · Lattice Forum', layout: 'site' })
  cluster() {
    return {};
  }
}
