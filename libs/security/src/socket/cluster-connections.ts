import type { RedisConnections } from '@lattice/core';
import type Redis from 'ioredis';

/**
 * Claims a place for a connection in the user's sorted set, atomically: entries whose lease ran
 * out are dropped first (a crashed node's), then the place is refused (-1) when `max` are taken.
 * Scores are Redis's own clock (TIME), so nodes' clocks do not matter.
 * KEYS: user set, node index. ARGV: member, max, lease ms, user id.
 */
const CLAIM = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local lease = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return -1
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[2], lease)
return redis.call('ZCARD', KEYS[1])
`;

/** Renews the lease of this node's connections of one user. KEYS: user set. ARGV: lease ms, members… */
const RENEW = `
local t = redis.call('TIME')
local ends = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ends, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/** Removes the members of one node (by prefix) from the users' sets. KEYS: user sets. ARGV: prefix. */
const FORGET_NODE = `
local removed = 0
for _, key in ipairs(KEYS) do
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    if string.sub(member, 1, #ARGV[1]) == ARGV[1] then
      removed = removed + redis.call('ZREM', key, member)
    end
  end
end
return removed
`;

/**
 * Open connections per user across the cluster, in Redis: one sorted set per user of
 * `<node id>|<connection id>` scored by when the entry's lease ends. The node renews its entries
 * every third of the lease, so the entries of a node that crashed stop counting within one lease,
 * or at once when cluster membership announces that the node left (`NODE_LEFT_TOPIC`): each node
 * also keeps an index set of the users it has entries for, which the others read to clean up.
 */
export class ClusterConnections {
  constructor(
    private readonly redis: RedisConnections,
    private readonly nodeId: string,
    readonly leaseMs: number,
  ) {}

  /** Claims a place; false when the user already has `max` connections on the cluster. */
  async claim(user: string, connectionId: string, max: number): Promise<boolean> {
    const count = (await this.client().eval(
      CLAIM,
      2,
      this.userKey(user),
      this.nodeKey(this.nodeId),
      this.member(connectionId),
      max,
      this.leaseMs,
      user,
    )) as number;
    return count >= 0;
  }

  /** Frees the place (fire and forget: the lease frees it anyway if this fails). */
  async release(user: string, connectionId: string): Promise<void> {
    await this.client().zrem(this.userKey(user), this.member(connectionId));
  }

  /** Renews the leases of this node's connections, one pipelined round trip for all users. */
  async renew(open: ReadonlyMap<string, ReadonlySet<string>>): Promise<void> {
    if (open.size === 0) return;
    const pipeline = this.client().pipeline();
    for (const [user, ids] of open)
      pipeline.eval(
        RENEW,
        1,
        this.userKey(user),
        this.leaseMs,
        ...[...ids].map((id) => this.member(id)),
      );
    pipeline.sadd(this.nodeKey(this.nodeId), ...open.keys());
    pipeline.pexpire(this.nodeKey(this.nodeId), this.leaseMs);
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0]!;
  }

  /** Removes every entry of a node (it left, or this node stops): they no longer count. */
  async forgetNode(nodeId: string, users?: Iterable<string>): Promise<number> {
    const client = this.client();
    const ids = users ? [...users] : await client.smembers(this.nodeKey(nodeId));
    if (!ids.length) return 0;
    const removed = (await client.eval(
      FORGET_NODE,
      ids.length,
      ...ids.map((user) => this.userKey(user)),
      `${nodeId}|`,
    )) as number;
    await client.del(this.nodeKey(nodeId));
    return removed;
  }

  private member(connectionId: string): string {
    return `${this.nodeId}|${connectionId}`;
  }

  private userKey(user: string): string {
    return this.redis.key('security', 'socket-connections', user);
  }

  private nodeKey(nodeId: string): string {
    return this.redis.key('security', 'socket-connections-of-node', nodeId);
  }

  private client(): Redis {
    // The rate limits' connection: commands fail within a second instead of queueing.
    return this.redis.get('throttle', { maxRetriesPerRequest: 1, commandTimeout: 1000 });
  }
}
