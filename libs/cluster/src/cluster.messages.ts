import { LatticeError } from '@lattice/core';

/** Every error the cluster library raises, each naming the thing, the cause and the fix. */
export const ClusterMessages = {
  noOwner: (key: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_NO_OWNER',
      `No live web node can own "${key}": the membership registry lists none that is up.`,
      'Check that the nodes share REDIS_URL and that their heartbeats reach Redis (lattice cluster:status).',
    ),
  waitTimeout: (timeoutMs: number, members: readonly { id: string; status: string }[]) =>
    new LatticeError(
      'LATTICE_CLUSTER_WAIT_TIMEOUT',
      `The cluster did not reach the awaited membership within ${timeoutMs} ms. Members now: ${
        members.map((node) => `${node.id} (${node.status})`).join(', ') || 'none'
      }.`,
      'Check that the other nodes run with the same REDIS_URL and REDIS_KEY_PREFIX and that their heartbeats reach Redis (lattice cluster:status), or wait longer.',
    ),
  dnsFailed: (dnsName: string, code: string, detail: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_DNS_FAILED',
      `Service discovery could not resolve "${dnsName}": ${code} (${detail}).`,
      code === 'ENOTFOUND'
        ? 'No such DNS name: check the headless Service name and the discovery options namespace and clusterDomain (kubectl get svc -n <namespace>).'
        : 'The cluster DNS did not answer: check that the pod can reach it (kubectl exec … -- nslookup <name>) and retry.',
    ),
  managerNotVisible: (command: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_NOT_IMPORTED',
      `${command} reads the cluster's membership, but the command line's module does not import ClusterModule.`,
      "Add ClusterModule.forRoot() (on the app's REDIS_URL) to the imports of the module your lattice command runs (src/cli.module.ts).",
    ),
};
