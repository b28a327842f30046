import { Inject, Injectable, Optional } from '@nestjs/common';
import { CLUSTER_MODULE_OPTIONS } from '../cluster.constants';
import type { ClusterNode, ServiceInstance } from '../cluster.interfaces';
import { ClusterMessages } from '../cluster.messages';
import type { ResolvedClusterOptions } from '../cluster.options';
import { ClusterManager } from '../membership/cluster-manager';
import { CLUSTER_DNS_RESOLVER, systemDnsResolver, type DnsResolver } from './dns-resolver';

/** DNS answers that mean "no instances" rather than "lookup failed". */
const NO_RECORDS = new Set(['ENODATA']);

type KubernetesDiscovery = Extract<ResolvedClusterOptions['discovery'], { mode: 'kubernetes' }>;

/**
 * Named services and their live instances. In `registry` mode a node advertises the services
 * of its `services` option (and `advertise()` at run time) in its membership entry, and
 * `discover(name)` lists the instances on live, non-draining nodes. In `kubernetes` mode
 * `discover(name)` reads the headless Service's DNS instead: SRV records of
 * `_<portName>._tcp.<name>.<namespace>.svc.<clusterDomain>` when `portName` is set, else the A and
 * AAAA records of `<name>.<namespace>.svc.<clusterDomain>` with `port`.
 *
 * @example
 * const [nlp] = await discovery.discover('nlp');
 */
@Injectable()
export class ServiceDiscovery {
  private resolver: DnsResolver | undefined;

  constructor(
    @Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ResolvedClusterOptions,
    private readonly cluster: ClusterManager,
    @Optional() @Inject(CLUSTER_DNS_RESOLVER) resolver?: DnsResolver,
  ) {
    this.resolver = resolver;
  }

  /** Advertises a service from this node; the others see it at once (a heartbeat now). */
  async advertise(service: string, meta: Record<string, unknown> = {}): Promise<void> {
    await this.cluster.setService(service, meta);
  }

  /** Stops advertising `service` from this node (a heartbeat now). */
  async withdraw(service: string): Promise<void> {
    await this.cluster.removeService(service);
  }

  /** Live instances of `service` (empty when none); nodes that are up come before suspect ones. */
  async discover(service: string): Promise<ServiceInstance[]> {
    const discovery = this.options.discovery;
    if (discovery.mode === 'kubernetes') return this.fromDns(service, discovery);
    const rank = (node: ClusterNode) => (node.status === 'up' ? 0 : 1);
    return this.cluster
      .members()
      .filter((node) => node.status !== 'draining' && node.services.includes(service))
      .sort((a, b) => rank(a) - rank(b))
      .map((node) => ({
        service,
        nodeId: node.id,
        host: node.host,
        port: node.port,
        meta: this.cluster.serviceMetaOf(node.id, service),
      }));
  }

  private async fromDns(service: string, options: KubernetesDiscovery): Promise<ServiceInstance[]> {
    const resolver = (this.resolver ??= systemDnsResolver());
    const domain = `${service}.${options.namespace}.svc.${options.clusterDomain}`;
    if (options.portName) {
      const name = `_${options.portName}._tcp.${domain}`;
      const records = await lookup(name, () => resolver.resolveSrv(name));
      return records
        .sort(
          (a, b) => a.priority - b.priority || b.weight - a.weight || a.name.localeCompare(b.name),
        )
        .map((record) => ({
          service,
          nodeId: record.name.split('.')[0],
          host: record.name,
          port: record.port,
          meta: { priority: record.priority, weight: record.weight },
        }));
    }
    // Either family may be missing (an IPv4-only cluster has no AAAA): failing only when both do.
    const [v4, v6] = await Promise.allSettled([
      lookup(domain, () => resolver.resolve4(domain)),
      lookup(domain, () => resolver.resolve6(domain)),
    ]);
    if (v4.status === 'rejected' && v6.status === 'rejected') throw v4.reason;
    const addresses = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    return addresses.map((address) => ({
      service,
      nodeId: address,
      host: address,
      port: options.port ?? null,
      meta: {},
    }));
  }
}

/** A DNS lookup whose "no records" is an empty answer and whose failures name the DNS name. */
async function lookup<T>(name: string, resolve: () => Promise<T[]>): Promise<T[]> {
  try {
    return await resolve();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EUNKNOWN';
    if (NO_RECORDS.has(code)) return [];
    throw ClusterMessages.dnsFailed(name, code, (error as Error).message);
  }
}
