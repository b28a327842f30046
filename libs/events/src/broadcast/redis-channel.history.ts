import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import {
  ChannelHistory,
  type ChannelEntry,
  type ChannelPosition,
  type HistoryRead,
} from './channel-history';

/**
 * Numbers the event (HINCRBY on the channel's meta hash, whose epoch is set on first use),
 * adds it to the channel's stream under the id `<offset>-1`, trims the stream by length and by
 * age, and lets both keys expire when the channel is idle for longer than the age limit.
 * KEYS: meta, stream. ARGV: new epoch, max length, event, data, now, max age.
 */
const APPEND = `
local meta, stream = KEYS[1], KEYS[2]
redis.call('HSETNX', meta, 'epoch', ARGV[1])
local offset = redis.call('HINCRBY', meta, 'offset', 1)
local epoch = redis.call('HGET', meta, 'epoch')
redis.call('XADD', stream, 'MAXLEN', ARGV[2], offset .. '-1', 'e', ARGV[3], 'd', ARGV[4], 't', ARGV[5])
local cutoff = tonumber(ARGV[5]) - tonumber(ARGV[6])
local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 64)
local keep = nil
for _, entry in ipairs(oldest) do
  local fields = entry[2]
  for j = 1, #fields, 2 do
    if fields[j] == 't' and tonumber(fields[j + 1]) >= cutoff then keep = entry[1] end
  end
  if keep then break end
  keep = nil
end
if keep == nil and #oldest > 0 then keep = oldest[#oldest][1] end
if keep then redis.call('XTRIM', stream, 'MINID', keep) end
redis.call('PEXPIRE', meta, ARGV[6])
redis.call('PEXPIRE', stream, ARGV[6])
return {epoch, offset}
`;

type HistoryRedis = Redis & {
  latticeEventsAppend(
    meta: string,
    stream: string,
    ...args: (string | number)[]
  ): Promise<[string, number]>;
};

/**
 * History in Redis, shared by every node: per channel a hash (`epoch`, `offset`) and a stream
 * whose entry ids are the offsets, trimmed to `maxLength` entries and `maxAgeMs`.
 */
export class RedisChannelHistory extends ChannelHistory {
  readonly kind = 'redis' as const;
  private readonly redis: HistoryRedis;

  constructor(
    redis: Redis,
    private readonly keyOf: (channel: string, part: 'meta' | 'log') => string,
    private readonly maxLength: number,
    private readonly maxAgeMs: number,
  ) {
    super();
    redis.defineCommand('latticeEventsAppend', { numberOfKeys: 2, lua: APPEND });
    this.redis = redis as HistoryRedis;
  }

  async append(
    channel: string,
    event: string,
    data: unknown,
  ): Promise<ChannelEntry & { epoch: string }> {
    const time = Date.now();
    const [epoch, offset] = await this.redis.latticeEventsAppend(
      this.keyOf(channel, 'meta'),
      this.keyOf(channel, 'log'),
      randomUUID().slice(0, 8),
      this.maxLength,
      event,
      JSON.stringify(data ?? null),
      time,
      this.maxAgeMs,
    );
    return { epoch, offset: Number(offset), event, data, time };
  }

  async position(channel: string): Promise<ChannelPosition> {
    const meta = this.keyOf(channel, 'meta');
    // A channel gets its epoch on first sight, so a subscriber's epoch holds for the first append too.
    const [, [, values]] = (await this.redis
      .multi()
      .hsetnx(meta, 'epoch', randomUUID().slice(0, 8))
      .hmget(meta, 'epoch', 'offset')
      .pexpire(meta, this.maxAgeMs)
      .exec()) as [unknown, [null, (string | null)[]]];
    return { epoch: values[0] ?? '', offset: Number(values[1] ?? 0) };
  }

  async read(channel: string, after: number, limit: number): Promise<HistoryRead> {
    const [[, meta], [, raw]] = (await this.redis
      .multi()
      .hmget(this.keyOf(channel, 'meta'), 'epoch', 'offset')
      .xrange(this.keyOf(channel, 'log'), `${after + 1}-0`, '+', 'COUNT', limit)
      .exec()) as [[null, (string | null)[]], [null, [string, string[]][]]];
    const entries = raw.map(([id, fields]) => {
      const map: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) map[fields[i]] = fields[i + 1];
      return {
        offset: Number(id.split('-')[0]),
        event: map.e,
        data: JSON.parse(map.d) as unknown,
        time: Number(map.t),
      };
    });
    const head = Number(meta[1] ?? 0);
    const complete = head <= after || (entries.length > 0 && entries[0].offset === after + 1);
    return { epoch: meta[0] ?? '', entries, complete };
  }
}
