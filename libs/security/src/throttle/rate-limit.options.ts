import { SecurityMessages } from '../security.messages';
import type { RateLimitOptions, RateLimitRule, SocketLimitOptions } from '../security.interfaces';

/** Rate limits with defaults filled in; `undefined` when the app did not ask for them. */
export interface ResolvedRateLimit {
  rules: Array<Required<RateLimitRule>>;
  store: 'memory' | 'redis';
}

export interface ResolvedSocketLimits {
  maxConnectionsPerUser: number;
  userRateLimit: { messages: number; perMs: number } | false;
  closeOnTokenExpiry: boolean;
  cluster: boolean;
  leaseMs: number;
}

/** 120 requests a minute per route, counted per client address and, once logged in, per user. */
export const DEFAULT_RATE_LIMIT_RULES: RateLimitRule[] = [
  { name: 'ip', by: 'ip', limit: 120, ttlMs: 60_000 },
  { name: 'user', by: 'user', limit: 120, ttlMs: 60_000 },
];

export function resolveRateLimit(
  options: RateLimitOptions | false | undefined,
  redisConfigured: boolean,
): ResolvedRateLimit | undefined {
  if (!options) return undefined;
  const rules = (options.rules ?? DEFAULT_RATE_LIMIT_RULES).map((rule) => {
    const valid =
      typeof rule.name === 'string' &&
      rule.name.length > 0 &&
      (rule.by === 'ip' || rule.by === 'user') &&
      Number.isInteger(rule.limit) &&
      rule.limit > 0 &&
      Number.isInteger(rule.ttlMs) &&
      rule.ttlMs > 0 &&
      (rule.blockMs === undefined || (Number.isInteger(rule.blockMs) && rule.blockMs >= 0));
    if (!valid) throw SecurityMessages.rateLimitRuleInvalid(rule);
    return { ...rule, blockMs: rule.blockMs ?? rule.ttlMs };
  });
  const names = rules.map((rule) => rule.name);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice !== undefined) throw SecurityMessages.rateLimitRuleDuplicate(twice);
  return { rules, store: options.store ?? (redisConfigured ? 'redis' : 'memory') };
}

export function resolveSocketLimits(options: SocketLimitOptions = {}): ResolvedSocketLimits {
  const max = options.maxConnectionsPerUser ?? 10;
  const rate = options.userRateLimit ?? { messages: 120, perMs: 1000 };
  const leaseMs = options.leaseMs ?? 15_000;
  if (
    !Number.isInteger(max) ||
    max < 0 ||
    (rate && !(rate.messages > 0 && rate.perMs > 0)) ||
    !Number.isInteger(leaseMs) ||
    leaseMs < 300
  )
    throw SecurityMessages.socketLimitsInvalid(options);
  return {
    maxConnectionsPerUser: max,
    userRateLimit: rate,
    closeOnTokenExpiry: options.closeOnTokenExpiry ?? true,
    cluster: options.cluster ?? true,
    leaseMs,
  };
}
