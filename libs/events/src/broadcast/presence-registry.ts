import type { Redis } from 'ioredis';

/** A subscriber of a presence channel, as every member sees it. */
export interface PresenceMember {
  /** One per connection: a user with two tabs is two entries with the same `id`. */
  key: string;
  /** The identity's id (null when anonymous). */
  id: string | null;
  info: unknown;
}

/** Who is on each presence channel: in this process, or in a Redis hash per channel. */
export interface PresenceRegistry {
  add(channel: string, member: PresenceMember): Promise<void>;
  remove(channel: string, key: string): Promise<void>;
  list(channel: string): Promise<PresenceMember[]>;
  /**
   * Removes every member of a node that left the cluster (core's NODE_LEFT_TOPIC) and returns
   * the ones this call removed: when every node runs it, each member is returned to one of them,
   * which tells the channel.
   */
  removeNode(nodeId: string): Promise<Array<{ channel: string; member: PresenceMember }>>;
  close?(): Promise<void>;
}

export class MemoryPresenceRegistry implements PresenceRegistry {
  private readonly channels = new Map<string, Map<string, PresenceMember>>();

  async add(channel: string, member: PresenceMember): Promise<void> {
    let members = this.channels.get(channel);
    if (!members) this.channels.set(channel, (members = new Map()));
    members.set(member.key, member);
  }

  async remove(channel: string, key: string): Promise<void> {
    const members = this.channels.get(channel);
    members?.delete(key);
    if (members?.size === 0) this.channels.delete(channel);
  }

  async list(channel: string): Promise<PresenceMember[]> {
    return [...(this.channels.get(channel)?.values() ?? [])];
  }

  /** In-process presence holds this node's members only: another node's are never here. */
  async removeNode(): Promise<Array<{ channel: string; member: PresenceMember }>> {
    return [];
  }
}

/**
 * Presence in Redis: a hash per channel (connection key → member). Each node keeps a heartbeat
 * key alive while it has members; `list()` drops the members of nodes whose heartbeat is gone,
 * so a node that crashed leaves no ghosts behind for longer than `heartbeatMs` × 3. Each node
 * also keeps the set of channels it has members in, so when cluster membership announces that a
 * node left, `removeNode()` finds that node's members at once.
 */
export class RedisPresenceRegistry implements PresenceRegistry {
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (channel: string) => string,
    private readonly nodeKeyOf: (nodeId: string) => string,
    private readonly nodeId: string,
    private readonly heartbeatMs = 10_000,
  ) {}

  async add(channel: string, member: PresenceMember): Promise<void> {
    if (!this.heartbeat) {
      await this.beat();
      this.heartbeat = setInterval(() => void this.beat().catch(() => undefined), this.heartbeatMs);
      this.heartbeat.unref();
    }
    const channels = this.channelsKeyOf(this.nodeId);
    await this.redis
      .multi()
      .hset(this.keyOf(channel), member.key, JSON.stringify(member))
      .sadd(channels, channel)
      .pexpire(channels, this.heartbeatMs * 3)
      .exec();
  }

  async remove(channel: string, key: string): Promise<void> {
    await this.redis.hdel(this.keyOf(channel), key);
  }

  async list(channel: string): Promise<PresenceMember[]> {
    const members = (await this.redis.hvals(this.keyOf(channel))).map(
      (value) => JSON.parse(value) as PresenceMember,
    );
    const nodes = [...new Set(members.map((member) => nodeOf(member.key)))];
    if (nodes.length === 0) return members;
    const alive = await this.redis.mget(...nodes.map((node) => this.nodeKeyOf(node)));
    const dead = new Set(nodes.filter((_, i) => alive[i] === null));
    if (dead.size === 0) return members;
    const ghosts = members.filter((member) => dead.has(nodeOf(member.key)));
    await this.redis.hdel(this.keyOf(channel), ...ghosts.map((member) => member.key));
    return members.filter((member) => !dead.has(nodeOf(member.key)));
  }

  async removeNode(nodeId: string): Promise<Array<{ channel: string; member: PresenceMember }>> {
    const removed: Array<{ channel: string; member: PresenceMember }> = [];
    for (const channel of await this.redis.smembers(this.channelsKeyOf(nodeId))) {
      const entries = await this.redis.hgetall(this.keyOf(channel));
      for (const [key, value] of Object.entries(entries)) {
        if (nodeOf(key) !== nodeId) continue;
        // One HDEL per member: the node whose HDEL removed it is the one that announces it.
        if ((await this.redis.hdel(this.keyOf(channel), key)) === 1)
          removed.push({ channel, member: JSON.parse(value) as PresenceMember });
      }
    }
    await this.redis.del(this.channelsKeyOf(nodeId), this.nodeKeyOf(nodeId));
    return removed;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.heartbeat)
      await this.redis
        .del(this.nodeKeyOf(this.nodeId), this.channelsKeyOf(this.nodeId))
        .catch(() => undefined);
    this.heartbeat = undefined;
  }

  private async beat(): Promise<void> {
    await this.redis
      .multi()
      .set(this.nodeKeyOf(this.nodeId), '1', 'PX', this.heartbeatMs * 3)
      .pexpire(this.channelsKeyOf(this.nodeId), this.heartbeatMs * 3)
      .exec();
  }

  private channelsKeyOf(nodeId: string): string {
    return `${this.nodeKeyOf(nodeId)}:channels`;
  }
}

/** Member keys are `<node>:<connection>`; connection ids hold no ':' (node ids need not). */
function nodeOf(key: string): string {
  return key.slice(0, key.lastIndexOf(':'));
}
