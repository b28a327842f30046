import { RedisConnections } from '@lattice/core';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';

/**
 * Redis is up when the shared connection answers PING within the deadline (1 s). Never waits
 * longer: while Redis is known to be down the check fails at once (RedisConnections fails fast),
 * so `/health` and a readiness endpoint answer promptly during an outage.
 */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly redis: RedisConnections,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async isHealthy(key: string, timeoutMs = 1000) {
    const check = this.indicator.check(key);
    const result = await this.redis.check(timeoutMs);
    return result.up
      ? check.up({ latencyMs: Math.round(result.latencyMs! * 10) / 10 })
      : check.down({ message: `Redis is unreachable (${result.reason})` });
  }
}
