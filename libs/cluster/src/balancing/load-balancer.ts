import type { BalancingStrategy, BalancingStrategyName, ClusterNode } from '../cluster.interfaces';
import type { LoadBalancerOptions, OrderingBalancingStrategy } from './balancing.interfaces';
import { BalancingMessages } from './balancing.messages';
import { ConsistentHashStrategy } from './strategies/consistent-hash.strategy';
import { LeastConnectionsStrategy } from './strategies/least-connections.strategy';
import { PowerOfTwoStrategy } from './strategies/power-of-two.strategy';
import { RoundRobinStrategy } from './strategies/round-robin.strategy';
import { WeightedStrategy } from './strategies/weighted.strategy';
import { DEFAULT_VIRTUAL_NODES } from './balancing.constants';

const isOrdering = (s: BalancingStrategy): s is OrderingBalancingStrategy =>
  typeof (s as Partial<OrderingBalancingStrategy>).order === 'function';

/**
 * Chooses a node among candidates with a pluggable strategy: round robin, least connections,
 * weighted (smooth weighted round robin), consistent hashing with virtual nodes, or the power of
 * two choices. Used where Lattice itself picks a node (`ClusterManager.route()` and `owner()`,
 * the reconnect target list).
 *
 * The balancer takes the candidates as they are: leaving out nodes that are `draining` (or
 * lack a capability, or are workers) is the caller's job, as `ClusterManager.route()` and
 * `owner()` do. Pass them in a stable order (members() sorts by id) so that round robin and
 * ties behave the same on every node. Strategies other than consistent-hash keep state (a turn,
 * running scores): keep one balancer per purpose rather than one per call.
 *
 * @example
 * const balancer = LoadBalancer.of('consistent-hash');
 * const owner = balancer.pick(cluster.members().filter((n) => n.status === 'up'), `room:${id}`);
 */
export class LoadBalancer {
  constructor(readonly strategy: BalancingStrategy) {}

  /** A balancer with a shipped strategy by name. */
  static of(name: BalancingStrategyName, options: LoadBalancerOptions = {}): LoadBalancer {
    const virtualNodes = options.virtualNodes ?? DEFAULT_VIRTUAL_NODES;
    if (!Number.isInteger(virtualNodes) || virtualNodes < 1 || virtualNodes > 10_000)
      throw BalancingMessages.badVirtualNodes(virtualNodes);
    switch (name) {
      case 'round-robin':
        return new LoadBalancer(new RoundRobinStrategy());
      case 'least-connections':
        return new LoadBalancer(new LeastConnectionsStrategy());
      case 'weighted':
        return new LoadBalancer(new WeightedStrategy());
      case 'consistent-hash':
        return new LoadBalancer(new ConsistentHashStrategy(virtualNodes));
      case 'power-of-two':
        return new LoadBalancer(new PowerOfTwoStrategy(options.random));
      default:
        throw BalancingMessages.unknownStrategy(String(name));
    }
  }

  /** One of `candidates`, or undefined when there are none. */
  pick(candidates: readonly ClusterNode[], key?: string): ClusterNode | undefined {
    return candidates.length === 0 ? undefined : this.strategy.pick(candidates, key);
  }

  /**
   * All candidates in the order the strategy prefers them (the first is `pick()`'s answer): the
   * reconnect target list a client walks when its node goes away. For consistent-hash, the key's
   * owner and then the next distinct nodes clockwise on the ring (where the key would go if its
   * owner left); for the others, this pick and then the rest from most to least preferred.
   * Counts as one pick for the strategies that keep turns.
   */
  order(candidates: readonly ClusterNode[], key?: string): ClusterNode[] {
    if (candidates.length === 0) return [];
    if (isOrdering(this.strategy)) return this.strategy.order(candidates, key);
    const first = this.strategy.pick(candidates, key);
    return [first, ...candidates.filter((node) => node !== first)];
  }
}
