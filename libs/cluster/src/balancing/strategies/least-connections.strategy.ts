import type { ClusterNode } from '../../cluster.interfaces';
import type { OrderingBalancingStrategy } from '../balancing.interfaces';

/**
 * The candidate with the fewest open WebSocket connections (`load.connections`, as of its last
 * heartbeat); among equals, each in turn, so that a burst between two heartbeats (when every
 * node still reports the same figure) spreads instead of landing on one node.
 */
export class LeastConnectionsStrategy implements OrderingBalancingStrategy {
  readonly name = 'least-connections';
  private next = 0;

  pick(candidates: readonly ClusterNode[]): ClusterNode {
    let min = Infinity;
    let ties = 0;
    for (const node of candidates) {
      const c = node.load.connections;
      if (c < min) [min, ties] = [c, 1];
      else if (c === min) ties++;
    }
    let chosen = this.turn(ties);
    for (const node of candidates) {
      if (node.load.connections === min && chosen-- === 0) return node;
    }
    return candidates[0]; // unreachable: NaN loads aside, one of them is the minimum
  }

  /** Fewest connections first; each group of equals starts at this turn's node (counts as a pick). */
  order(candidates: readonly ClusterNode[]): ClusterNode[] {
    const byLoad = new Map<number, ClusterNode[]>();
    for (const node of candidates) {
      const group = byLoad.get(node.load.connections);
      if (group) group.push(node);
      else byLoad.set(node.load.connections, [node]);
    }
    const turn = this.next;
    this.next = (turn + 1) % Number.MAX_SAFE_INTEGER;
    return [...byLoad.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, group]) => group.map((_, i) => group[(turn + i) % group.length]));
  }

  private turn(ties: number): number {
    const turn = this.next % Math.max(ties, 1);
    this.next = (this.next + 1) % Number.MAX_SAFE_INTEGER;
    return turn;
  }
}
