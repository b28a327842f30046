import type { RateLimitRule } from '../security.interfaces';
import { resolveRateLimit, resolveSocketLimits } from './rate-limit.options';

describe('rate limit options', () => {
  it('are off unless given; {} gives the default rules; REDIS_URL picks the Redis store', () => {
    expect(resolveRateLimit(undefined, true)).toBeUndefined();
    expect(resolveRateLimit(false, true)).toBeUndefined();
    expect(resolveRateLimit({}, false)).toEqual({
      store: 'memory',
      rules: [
        { name: 'ip', by: 'ip', limit: 120, ttlMs: 60_000, blockMs: 60_000 },
        { name: 'user', by: 'user', limit: 120, ttlMs: 60_000, blockMs: 60_000 },
      ],
    });
    expect(resolveRateLimit({}, true)?.store).toBe('redis');
    expect(resolveRateLimit({ store: 'memory' }, true)?.store).toBe('memory');
  });

  it.each<[string, Partial<RateLimitRule>]>([
    ['no name', { name: '' }],
    ['an unknown by', { by: 'session' as 'ip' }],
    ['a zero limit', { limit: 0 }],
    ['a fractional window', { ttlMs: 1.5 }],
    ['a negative block', { blockMs: -1 }],
  ])('refuse a rule with %s, naming the rule', (_label, change) => {
    const rule = { name: 'ip', by: 'ip', limit: 5, ttlMs: 1000, ...change } as RateLimitRule;
    expect(() => resolveRateLimit({ rules: [rule] }, false)).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_RATE_LIMIT_INVALID' }),
    );
  });

  it('refuse two rules with one name', () => {
    const rule: RateLimitRule = { name: 'ip', by: 'ip', limit: 5, ttlMs: 1000 };
    expect(() => resolveRateLimit({ rules: [rule, { ...rule, by: 'user' }] }, false)).toThrow(
      'Two rate limit rules are named "ip".',
    );
  });

  it('socket limits: defaults, and invalid figures refused', () => {
    expect(resolveSocketLimits()).toEqual({
      maxConnectionsPerUser: 10,
      userRateLimit: { messages: 120, perMs: 1000 },
      closeOnTokenExpiry: true,
      cluster: true,
      leaseMs: 15_000,
    });
    expect(resolveSocketLimits({ userRateLimit: false }).userRateLimit).toBe(false);
    expect(() => resolveSocketLimits({ leaseMs: 10 })).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_SOCKET_LIMITS_INVALID' }),
    );
    expect(() => resolveSocketLimits({ maxConnectionsPerUser: -1 })).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_SOCKET_LIMITS_INVALID' }),
    );
    expect(() => resolveSocketLimits({ userRateLimit: { messages: 0, perMs: 1000 } })).toThrow(
      expect.objectContaining({ code: 'LATTICE_SECURITY_SOCKET_LIMITS_INVALID' }),
    );
  });
});
