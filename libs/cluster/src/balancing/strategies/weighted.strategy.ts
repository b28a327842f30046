import type { ClusterNode } from '../../cluster.interfaces';
import type { OrderingBalancingStrategy } from '../balancing.interfaces';

/** A weight the strategy can use: `weight` when positive and finite, else 1 (the default). */
const weightOf = (node: ClusterNode) =>
  Number.isFinite(node.weight) && node.weight > 0 ? node.weight : 1;

/**
 * Smooth weighted round robin, as nginx does it: each pick adds every candidate's weight to its
 * running score, picks the highest score and takes the total off the winner. Over any run of
 * `sum(weights)` picks each node gets exactly its share, and the picks are interleaved
 * (5:1:1 gives a a b a c a a, not a a a a a b c), so a heavy node is never sent a burst.
 */
export class WeightedStrategy implements OrderingBalancingStrategy {
  readonly name = 'weighted';
  /** Running scores by node id; a node that leaves the candidates forgets its score. */
  private scores = new Map<string, number>();
  private lastIds = '';

  pick(candidates: readonly ClusterNode[]): ClusterNode {
    this.forgetAbsent(candidates);
    let total = 0;
    let best: ClusterNode | undefined;
    let bestScore = -Infinity;
    for (const node of candidates) {
      const weight = weightOf(node);
      const score = (this.scores.get(node.id) ?? 0) + weight;
      this.scores.set(node.id, score);
      total += weight;
      // Ties go to the first candidate (members() are sorted by id: the same answer everywhere).
      if (score > bestScore) [best, bestScore] = [node, score];
    }
    this.scores.set(best!.id, bestScore - total);
    return best!;
  }

  /** This pick first, then the others by their score after it: who would come next. */
  order(candidates: readonly ClusterNode[]): ClusterNode[] {
    const first = this.pick(candidates);
    const rest = candidates
      .filter((node) => node !== first)
      .map((node, index) => ({ node, index, score: this.scores.get(node.id) ?? 0 }))
      .sort((a, b) => b.score - a.score || a.index - b.index);
    return [first, ...rest.map((r) => r.node)];
  }

  private forgetAbsent(candidates: readonly ClusterNode[]): void {
    const ids = candidates.map((node) => node.id).join('\n');
    if (ids === this.lastIds) return;
    this.lastIds = ids;
    const present = new Set(candidates.map((node) => node.id));
    for (const id of this.scores.keys()) if (!present.has(id)) this.scores.delete(id);
  }
}
