import { LiveSessions } from '@lattice/live';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ClusterEvent } from '../cluster.interfaces';
import { ClusterManager } from '../membership/cluster-manager';
import { CLUSTER_LIVE_TOPIC } from './cluster-live.constants';
import type { ClusterLiveEvent } from './cluster-live.interfaces';

const EVENTS: readonly ClusterEvent[] = ['join', 'update', 'suspect', 'leave'];

/**
 * Hands this node's membership events to this node's cluster pages, and a `beat` with the
 * members every heartbeat interval (load changes fire no membership event). Every node hears
 * them on its own (each reads the registry), so they go through `notifyLocal`, not PubSub: a
 * publish would reach each page once per node.
 */
@Injectable()
export class ClusterLiveBinding implements OnModuleInit, OnModuleDestroy {
  private unsubscribe: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cluster: ClusterManager,
    private readonly sessions: LiveSessions,
  ) {}

  onModuleInit(): void {
    this.unsubscribe = EVENTS.map((event) =>
      this.cluster.on(event, (node) =>
        this.notify({ event, node, nodes: this.withoutLeaver(event, node.id) }),
      ),
    );
    this.timer = setInterval(
      () => this.notify({ event: 'beat', nodes: this.cluster.members() }),
      this.cluster.settings.heartbeatMs,
    );
    this.timer.unref(); // never what keeps a process alive
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private notify(payload: ClusterLiveEvent): void {
    void this.sessions.notifyLocal(CLUSTER_LIVE_TOPIC, payload);
  }

  /** The members, without a node that is leaving (whether or not the view has dropped it yet). */
  private withoutLeaver(event: ClusterEvent, id: string) {
    const members = this.cluster.members();
    return event === 'leave' ? members.filter((node) => node.id !== id) : members;
  }
}
