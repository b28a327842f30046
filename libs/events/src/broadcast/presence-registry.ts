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
}

/**
 * Presence in Redis: a hash per channel (connection key → member). Each node keeps a heartbeat
 * key alive while it has members; `list()` drops the members of nodes whose heartbeat is gone,
 * so a node that crashed leaves no ghosts behind for longer than `heartbeatMs` × 3.
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
    await this.redis.hset(this.keyOf(channel), member.key, JSON.stringify(member));
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

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.heartbeat) await this.redis.del(this.nodeKeyOf(this.nodeId)).catch(() => undefined);
    this.heartbeat = undefined;
  }

  private async beat(): Promise<void> {
    await this.redis.set(this.nodeKeyOf(this.nodeId), '1', 'PX', this.heartbeatMs * 3);
  }
}

/** Member keys are `<node>:<connection>`. */
function nodeOf(key: string): string {
  return key.slice(0, key.indexOf(':'));
}
