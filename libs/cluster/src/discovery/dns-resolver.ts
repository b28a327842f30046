import type { SrvRecord } from 'node:dns';
import { Resolver } from 'node:dns/promises';

/**
 * The DNS lookups kubernetes-mode discovery makes: node:dns's `Resolver` by default. Provide your
 * own under `CLUSTER_DNS_RESOLVER` to point at another server or to drive discovery in a test.
 */
export interface DnsResolver {
  resolveSrv(hostname: string): Promise<SrvRecord[]>;
  resolve4(hostname: string): Promise<string[]>;
  resolve6(hostname: string): Promise<string[]>;
}

/** Injection token of the `DnsResolver` kubernetes-mode discovery uses (optional). */
export const CLUSTER_DNS_RESOLVER = Symbol('lattice:cluster:dns-resolver');

/** The system's resolver (the pod's /etc/resolv.conf: the cluster DNS). */
export function systemDnsResolver(): DnsResolver {
  return new Resolver();
}
