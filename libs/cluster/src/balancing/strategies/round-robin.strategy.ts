import type { ClusterNode } from '../../cluster.interfaces';
import type { OrderingBalancingStrategy } from '../balancing.interfaces';

/**
 * Each candidate in turn. The turn is a counter over the candidates as given (members() sorts
 * them by id), so a set that changes shifts the turn but never skips a node for long.
 */
export class RoundRobinStrategy implements OrderingBalancingStrategy {
  readonly name = 'round-robin';
  private next = 0;

  pick(candidates: readonly ClusterNode[]): ClusterNode {
    return candidates[this.turn(candidates.length)];
  }

  /** The candidates from this turn's node on, wrapping around (counts as a pick). */
  order(candidates: readonly ClusterNode[]): ClusterNode[] {
    const start = this.turn(candidates.length);
    return candidates.map((_, i) => candidates[(start + i) % candidates.length]);
  }

  private turn(length: number): number {
    const turn = this.next % length;
    // Kept small so it never loses precision however long the process runs.
    this.next = (turn + 1) % Number.MAX_SAFE_INTEGER;
    return turn;
  }
}
