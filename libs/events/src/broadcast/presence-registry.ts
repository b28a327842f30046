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

export class RedisPresenceRegistry implements PresenceRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keyOf: (channel: string) => string,
  ) {}

  async add(channel: string, member: PresenceMember): Promise<void> {
    await this.redis.hset(this.keyOf(channel), member.key, JSON.stringify(member));
  }

  async remove(channel: string, key: string): Promise<void> {
    await this.redis.hdel(this.keyOf(channel), key);
  }

  async list(channel: string): Promise<PresenceMember[]> {
    const values = await this.redis.hvals(this.keyOf(channel));
    return values.map((value) => JSON.parse(value) as PresenceMember);
  }
}
