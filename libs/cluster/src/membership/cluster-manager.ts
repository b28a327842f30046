import { Injectable } from '@nestjs/common';
import type { ClusterEvent, ClusterListener, ClusterNode } from '../cluster.interfaces';

/**
 * This process's view of the cluster. Each node registers itself in Redis (a hash entry per node
 * plus a sorted set of heartbeat times) and heartbeats every `heartbeatMs`; every node reads the
 * registry on the same beat, so `members()` is at most one beat old. A node whose heartbeat is
 * older than `ttlMs` is dropped by the first member that sees it (one of them, by a SET NX), which
 * publishes core's `NODE_LEFT_TOPIC` so libraries clean that node's entries. Without Redis the
 * cluster is this process alone.
 *
 * CONTRACT (lead): signatures are fixed; the membership branch implements the bodies.
 */
@Injectable()
export class ClusterManager {
  /** This node's id (core's `LATTICE_NODE_ID`). */
  get nodeId(): string {
    throw new Error('not built yet');
  }

  /** This node as the others see it (its last heartbeat). */
  get self(): ClusterNode {
    throw new Error('not built yet');
  }

  /** Whether the registry is shared (Redis) or this process alone (memory). */
  get driver(): 'redis' | 'memory' {
    throw new Error('not built yet');
  }

  /** Live members (up, suspect or draining), as of the last heartbeat; sorted by id. */
  members(): ClusterNode[] {
    throw new Error('not built yet');
  }

  /** Reads the registry now (for CLIs and tests that cannot wait for a beat). */
  async refresh(): Promise<ClusterNode[]> {
    throw new Error('not built yet');
  }

  /** Subscribe to membership changes; returns the unsubscribe function. */
  on(event: ClusterEvent, listener: ClusterListener): () => void {
    void event;
    void listener;
    throw new Error('not built yet');
  }

  /**
   * Resolves when `predicate(members())` holds (checked on each beat and membership event), for
   * tests and start-up code that need the cluster to have formed; rejects after `timeoutMs`.
   */
  async waitFor(
    predicate: (members: ClusterNode[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<ClusterNode[]> {
    void predicate;
    void timeoutMs;
    throw new Error('not built yet');
  }

  /** Marks this node `draining` at once (a heartbeat now), so balancers and `route()` skip it. */
  async markDraining(): Promise<void> {
    throw new Error('not built yet');
  }

  /**
   * A node that has `capability` (and is not draining), chosen by the configured strategy; `key`
   * keeps one key on one node for `consistent-hash`. Undefined when none has it.
   */
  route(capability: string, key?: string): ClusterNode | undefined {
    void capability;
    void key;
    throw new Error('not built yet');
  }

  /**
   * The node that owns `key` (consistent hashing over the `web` members that are up): one owner
   * per key across the cluster, moving for about 1/N of the keys when a node joins or leaves.
   */
  owner(key: string): ClusterNode {
    void key;
    throw new Error('not built yet');
  }
}
