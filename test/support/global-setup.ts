import { randomBytes } from 'node:crypto';
import {
  probeServices,
  RUN_ENV,
  servicesRequired,
  SERVICES_ENV,
  TEST_MYSQL_URL,
  TEST_REDIS_URL,
  TEST_REDIS_CLUSTER_NODES,
} from './services';

/**
 * Probes MariaDB/MySQL and Redis once per run. The results reach every test worker
 * through the environment. A missing service skips its suites with one printed line,
 * or fails the run under CI=true / LATTICE_REQUIRE_SERVICES=1.
 */
export default async function globalSetup(): Promise<void> {
  process.env[RUN_ENV] = randomBytes(4).toString('hex');
  const status = await probeServices();
  process.env[SERVICES_ENV] = JSON.stringify(status);

  const lines = [
    `MySQL/MariaDB ${status.mysql.up ? `${status.mysql.detail} at ${TEST_MYSQL_URL}` : `unreachable at ${TEST_MYSQL_URL}: ${status.mysql.detail}`}`,
    `Redis ${status.redis.up ? `${status.redis.detail} at ${TEST_REDIS_URL}` : `unreachable at ${TEST_REDIS_URL}: ${status.redis.detail}`}`,
    `Redis Cluster ${status['redis-cluster'].up ? `(${status['redis-cluster'].detail}) at ${TEST_REDIS_CLUSTER_NODES[0]}` : `unreachable at ${TEST_REDIS_CLUSTER_NODES[0]}: ${status['redis-cluster'].detail} (bash scripts/redis-cluster.sh starts one)`}`,
  ];
  const missing = (['mysql', 'redis', 'redis-cluster'] as const).filter((name) => !status[name].up);
  process.stdout.write(`\nTest services (run ${process.env[RUN_ENV]}): ${lines.join('; ')}\n`);
  if (missing.length === 0) return;
  if (servicesRequired()) {
    throw new Error(
      `Required test services are missing: ${missing.join(', ')}. Start them (see .ci/run) or unset CI / LATTICE_REQUIRE_SERVICES to skip their suites locally.`,
    );
  }
  process.stdout.write(
    `Skipping the suites that need ${missing.join(' and ')} (set CI=true to make this an error).\n`,
  );
}
