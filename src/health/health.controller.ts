import { DriverKinds, LatticeDrivers, Public, RedisConnections } from '@lattice/core';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

export type HealthReport = HealthCheckResult & { drivers: DriverKinds };

/** `GET /health`: 200 when every configured service answers, 503 with the details when one does not. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redisHealth: RedisHealthIndicator,
    private readonly redis: RedisConnections,
    private readonly drivers: LatticeDrivers,
  ) {}

  @Get()
  async check(): Promise<HealthReport> {
    const kind = this.drivers.database.kind;
    const checks: HealthIndicatorFunction[] = [
      async () => {
        const result = await this.db.pingCheck('database', { timeout: 1000 });
        return { database: { ...result.database, driver: kind } };
      },
    ];
    if (this.redis.configured) checks.push(() => this.redisHealth.isHealthy('redis'));
    try {
      return { ...(await this.health.check(checks)), drivers: this.drivers.report() };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const body = error.getResponse() as HealthCheckResult;
        throw new ServiceUnavailableException({ ...body, drivers: this.drivers.report() });
      }
      throw error;
    }
  }
}
