import { LiveSessions } from '@lattice/live';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ClusterEvent } from '../cluster.interfaces';
import { ClusterManager } from '../membership/cluster-manager';
import { CLUSTER_LIVE_TOPIC } from './cluster-live.constants';
import type { ClusterLiveEvent } from './cluster-live.interfaces';

const EVENTS: readonly ClusterEvent[] = ['join', 'update', 'suspect', 'leave'];

/**
 * Hands this node's membership events to this node's cluster pages. Every node hears them on
 * its own (each reads the registry), so they go through `notifyLocal`, not PubSub: a publish
 * would reach each page once per node.
 */
@Injectable()
export class ClusterLiveBinding implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: Array<() => void> = [];

  constructor(
    private readonly cluster: ClusterManager,
    private readonly sessions: LiveSessions,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = EVENTS.map((event) =>
      this.cluster.on(event, (node) => {
        const payload: ClusterLiveEvent = { event, node };
        void this.sessions.notifyLocal(CLUSTER_LIVE_TOPIC, payload);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }
}
