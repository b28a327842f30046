import { Injectable } from '@nestjs/common';
import type { ServiceInstance } from '../cluster.interfaces';

/**
 * Named services and their live instances. In `registry` mode a node advertises the services
 * of its `services` option (and `advertise()` at run time) in its membership entry, and
 * `discover(name)` lists the instances on live, non-draining nodes. In `kubernetes` mode
 * `discover(name)` reads the headless Service's DNS instead.
 *
 * CONTRACT (lead): signatures are fixed; the membership branch implements the bodies.
 */
@Injectable()
export class ServiceDiscovery {
  /** Advertises a service from this node (carried by its next heartbeat). */
  async advertise(service: string, meta: Record<string, unknown> = {}): Promise<void> {
    void service;
    void meta;
    throw new Error('not built yet');
  }

  async withdraw(service: string): Promise<void> {
    void service;
    throw new Error('not built yet');
  }

  /** Live instances of `service` (empty when none). */
  async discover(service: string): Promise<ServiceInstance[]> {
    void service;
    throw new Error('not built yet');
  }
}
