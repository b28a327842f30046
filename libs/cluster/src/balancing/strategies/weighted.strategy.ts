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
  /** The candidate ids of the last pick, and their running scores at the same index. */
  private ids: string[] = [];
  private scores = new Float64Array(0);

  pick(candidates: readonly ClusterNode[]): ClusterNode {
    const scores = this.align(candidates);
    let total = 0;
    let best = 0;
    for (let i = 0; i < candidates.length; i++) {
      const weight = weightOf(candidates[i]);
      scores[i] += weight;
      total += weight;
      // Ties go to the first candidate (members() are sorted by id: the same answer everywhere).
      if (scores[i] > scores[best]) best = i;
    }
    scores[best] -= total;
    return candidates[best];
  }

  /** This pick first, then the others by their score after it: who would come next. */
  order(candidates: readonly ClusterNode[]): ClusterNode[] {
    const first = this.pick(candidates);
    const rest = candidates
      .map((node, index) => ({ node, index, score: this.scores[index] }))
      .filter(({ node }) => node !== first)
      .sort((a, b) => b.score - a.score || a.index - b.index);
    return [first, ...rest.map((r) => r.node)];
  }

  /**
   * The scores, index for index with `candidates`. Usually the same ids as last time, compared in
   * place (a key string or a map lookup per node would cost more than the pick); when the set
   * changed, scores carry over by id and a node that left forgets its score.
   */
  private align(candidates: readonly ClusterNode[]): Float64Array {
    const ids = this.ids;
    if (ids.length === candidates.length && candidates.every((node, i) => node.id === ids[i]))
      return this.scores;
    const previous = new Map(ids.map((id, i) => [id, this.scores[i]]));
    this.ids = candidates.map((node) => node.id);
    this.scores = Float64Array.from(this.ids, (id) => previous.get(id) ?? 0);
    return this.scores;
  }
}
