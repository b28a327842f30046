import type Redis from 'ioredis';
import { StateConflictError } from '../errors/state-conflict.error';
import type { PendingEvent, Snapshot, StateEvent, VersionRange } from '../state.interfaces';
import { StateMessages } from '../state.messages';
import { type AppendOptions, StateStore } from './state-store';

/**
 * Checks the expected version and appends in one step, so two nodes can never both write
 * version N. Each stream is a Redis Stream whose entry ids are `<version>-0`, which also
 * makes Redis refuse any out-of-order id; `all` indexes every event by global position.
 */
const APPEND = `
if ARGV[1] ~= '' and redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return {-2, 0} end
local actual = redis.call('XLEN', KEYS[1])
local expected = tonumber(ARGV[2])
if actual ~= expected then return {-1, actual} end
local count = #ARGV - 3
local last = redis.call('INCRBY', KEYS[3], count)
local first = last - count + 1
for i = 1, count do
  redis.call('XADD', KEYS[1], (expected + i) .. '-0', 'e', ARGV[i + 3], 'p', first + i - 1)
  redis.call('XADD', KEYS[2], (first + i - 1) .. '-0', 's', ARGV[3], 'v', expected + i)
end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[4], ARGV[1], expected + 1) end
return {first, actual}
`;

type StreamEntry = [id: string, fields: string[]];

interface RedisWithAppend extends Redis {
  latticeStateAppend(
    stream: string,
    all: string,
    position: string,
    applied: string,
    idempotencyKey: string,
    expected: number,
    streamId: string,
    ...events: string[]
  ): Promise<[number, number]>;
}

/**
 * Streams in Redis: the source of truth shared by every node (wrap it in
 * `DistributedStateStore` so other nodes hear appends). Keys, under REDIS_KEY_PREFIX:
 * `state:stream:<id>` (events), `state:all` (global order), `state:position`,
 * `state:snapshots:<id>` (a sorted set by version), `state:applied:<id>` (ids of idempotent
 * appends, a hash id → version).
 */
export class RedisStateStore extends StateStore {
  readonly kind = 'redis';
  private readonly redis: RedisWithAppend;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    super();
    if (!('latticeStateAppend' in redis))
      redis.defineCommand('latticeStateAppend', { numberOfKeys: 4, lua: APPEND });
    this.redis = redis as RedisWithAppend;
  }

  async append(
    streamId: string,
    events: PendingEvent[],
    expectedVersion: number,
    options: AppendOptions = {},
  ): Promise<StateEvent[]> {
    if (options.transaction) throw StateMessages.transactionNeedsSql(streamId, this.kind);
    const [first, actual] = await this.redis.latticeStateAppend(
      this.key('stream', streamId),
      this.key('all'),
      this.key('position'),
      this.key('applied', streamId),
      options.idempotent ? (events[0]?.id ?? '') : '',
      expectedVersion,
      streamId,
      ...events.map((event) => JSON.stringify(event)),
    );
    if (first === -2) return [];
    if (first === -1) {
      if (expectedVersion > actual)
        throw StateMessages.versionSkipped(streamId, expectedVersion, actual);
      throw new StateConflictError(streamId, expectedVersion, actual);
    }
    const stored = events.map((event, index) => ({
      ...event,
      streamId,
      version: expectedVersion + index + 1,
      position: first + index,
    }));
    this.emitAppended(stored);
    return stored;
  }

  async read(streamId: string, range: VersionRange = {}): Promise<StateEvent[]> {
    const from = Math.max(1, range.from ?? 1);
    const to = range.to === undefined ? '+' : `${range.to}-0`;
    if (range.to !== undefined && range.to < from) return [];
    const entries = (
      range.limit === undefined
        ? await this.redis.xrange(this.key('stream', streamId), `${from}-0`, to)
        : await this.redis.xrange(
            this.key('stream', streamId),
            `${from}-0`,
            to,
            'COUNT',
            range.limit,
          )
    ) as StreamEntry[];
    return entries.map((entry) => this.toEvent(streamId, entry));
  }

  async readAll(after = 0, limit = 1000): Promise<StateEvent[]> {
    const refs = (await this.redis.xrange(
      this.key('all'),
      `${after + 1}-0`,
      '+',
      'COUNT',
      limit,
    )) as StreamEntry[];
    const pipeline = this.redis.pipeline();
    const ids = refs.map(([, fields]) => {
      const streamId = field(fields, 's');
      const version = field(fields, 'v');
      pipeline.xrange(this.key('stream', streamId), `${version}-0`, `${version}-0`);
      return streamId;
    });
    const results = (await pipeline.exec()) ?? [];
    return results.flatMap(([error, entries], index) => {
      if (error) throw error;
      return (entries as StreamEntry[]).map((entry) => this.toEvent(ids[index], entry));
    });
  }

  async lastPosition(): Promise<number> {
    return Number((await this.redis.get(this.key('position'))) ?? 0);
  }

  async version(streamId: string): Promise<number> {
    return this.redis.xlen(this.key('stream', streamId));
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    const key = this.key('snapshots', snapshot.streamId);
    await this.redis
      .multi()
      .zremrangebyscore(key, snapshot.version, snapshot.version)
      .zadd(key, snapshot.version, JSON.stringify(snapshot))
      .exec();
  }

  async loadSnapshot(streamId: string, atOrBefore?: number): Promise<Snapshot | undefined> {
    const [json] = await this.redis.zrevrangebyscore(
      this.key('snapshots', streamId),
      atOrBefore ?? '+inf',
      '-inf',
      'LIMIT',
      0,
      1,
    );
    return json === undefined ? undefined : (JSON.parse(json) as Snapshot);
  }

  private toEvent(streamId: string, [id, fields]: StreamEntry): StateEvent {
    try {
      const body = JSON.parse(field(fields, 'e')) as PendingEvent;
      return {
        ...body,
        streamId,
        version: Number(id.slice(0, id.indexOf('-'))),
        position: Number(field(fields, 'p')),
      };
    } catch (error) {
      throw StateMessages.corruptEvent(streamId, `entry ${id}: ${String(error)}`);
    }
  }

  private key(...parts: string[]): string {
    return `${this.prefix}${parts.join(':')}`;
  }
}

function field(fields: string[], name: string): string {
  for (let index = 0; index < fields.length; index += 2) {
    if (fields[index] === name) return fields[index + 1];
  }
  return '';
}
