/**
 * The registry's Lua scripts. A script runs atomically, so a beat's write and read see one state
 * of the registry, and exactly one caller removes an expired node (the others find it gone).
 * Times come from Redis's clock (`TIME`), so nodes with skewed clocks still agree on ages.
 */

/**
 * One heartbeat, one round trip: writes this node's entry (unless ARGV[2] is empty, a read only),
 * refreshes the keys' expiry (a registry nobody beats into disappears by itself), and returns
 * `[now, HGETALL nodes, ZRANGE beats WITHSCORES]`.
 *
 * KEYS: nodes hash, beats sorted set. ARGV: node id, entry JSON ('' to only read), keys' expiry ms.
 */
export const BEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZADD', KEYS[2], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return { now, redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES') }
`;

/**
 * Removes a node whose last beat is at or before ARGV[2] (ms, Redis clock); returns 1 to the one
 * caller that removed it, 0 to everyone else (already removed, or it beat again meanwhile).
 *
 * KEYS: nodes hash, beats sorted set. ARGV: node id, latest beat that counts as expired.
 */
export const EXPIRE_SCRIPT = `
local beat = redis.call('ZSCORE', KEYS[2], ARGV[1])
if beat and tonumber(beat) > tonumber(ARGV[2]) then return 0 end
local removed = redis.call('HDEL', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if removed > 0 then return 1 end
return 0
`;

/** Deregisters a node (graceful leave): returns 1 if it was registered. KEYS: nodes, beats. ARGV: id. */
export const LEAVE_SCRIPT = `
local removed = redis.call('HDEL', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
if removed > 0 then return 1 end
return 0
`;
