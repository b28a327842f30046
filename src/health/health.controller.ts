import {
  DriverKinds,
  LatticeDrivers,
  LatticeShutdown,
  Public,
  RedisConnections,
} from '@lattice/core';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorFunction,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health';

export type HealthReport = HealthCheckResult & { drivers: DriverKinds };

/**
 * `GET /health`: 200 when every configured service answers, 503 with the details when one
 * does not. `GET /health/ready`: the same, and 503 while the process drains for shutdown
 * (for a balancer's or Kubernetes' readiness probe). `GET /health/live`: 200 while the
 * process runs (for a liveness probe: a dependency outage must not restart it).
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redisHealth: RedisHealthIndicator,
    private readonly redis: RedisConnections,
    private readonly drivers: LatticeDrivers,
    private readonly shutdown: LatticeShutdown,
  ) {}

  @Get()
  check(): Promise<HealthReport> {
    return this.dependencies();
  }

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(): Promise<HealthReport> {
    // Checked first and without the dependencies: a draining node answers at once.
    if (this.shutdown.draining) {
      throw new ServiceUnavailableException({
        status: 'draining',
        message: `Shutting down since ${this.shutdown.since?.toISOString()}; send requests to another instance.`,
      });
    }
    return this.dependencies();
  }

  private async dependencies(): Promise<HealthReport> {
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
