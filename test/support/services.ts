import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';

/**
 * Which real services the tests may use. Defaults match the project's machines;
 * TEST_DATABASE_URL and TEST_REDIS_URL point elsewhere.
 */
export const TEST_MYSQL_URL = process.env.TEST_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Some nodes of a Redis Cluster (`bash scripts/redis-cluster.sh` starts one on 7000-7002). */
export const TEST_REDIS_CLUSTER_NODES = (
  process.env.TEST_REDIS_CLUSTER_NODES ??
  'redis://127.0.0.1:7000,redis://127.0.0.1:7001,redis://127.0.0.1:7002'
).split(',');

export type ServiceName = 'mysql' | 'redis' | 'redis-cluster';

export interface ServiceStatus {
  up: boolean;
  /** Server version when up, the reason when down. */
  detail: string;
}

/** The environment variable global setup writes the probe results into, for every test worker. */
export const SERVICES_ENV = 'LATTICE_TEST_SERVICES';
/** A short id of this test run; databases and Redis keys the run creates carry it. */
export const RUN_ENV = 'LATTICE_TEST_RUN';

/** With CI=true or LATTICE_REQUIRE_SERVICES=1 a missing service fails the run instead of skipping. */
export function servicesRequired(): boolean {
  return process.env.CI === 'true' || process.env.LATTICE_REQUIRE_SERVICES === '1';
}

export async function probeServices(): Promise<Record<ServiceName, ServiceStatus>> {
  const [mysql, redis, cluster] = await Promise.all([
    probeMysql(),
    probeRedis(),
    probeRedis(TEST_REDIS_CLUSTER_NODES[0], 'cluster'),
  ]);
  return { mysql, redis, 'redis-cluster': cluster };
}

async function probeMysql(): Promise<ServiceStatus> {
  try {
    const connection = await createConnection({ uri: TEST_MYSQL_URL, connectTimeout: 2000 });
    try {
      const [rows] = await connection.query('SELECT VERSION() AS version');
      return { up: true, detail: (rows as { version: string }[])[0].version };
    } finally {
      await connection.end();
    }
  } catch (error) {
    return { up: false, detail: (error as Error).message || String(error) };
  }
}

async function probeRedis(url = TEST_REDIS_URL, section = 'server'): Promise<ServiceStatus> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause ??= error)); // the socket error says more than the rejected connect
  try {
    await client.connect();
    if (section === 'cluster') {
      const info = await client.cluster('INFO');
      if (!info.includes('cluster_state:ok'))
        return { up: false, detail: 'cluster_state is not ok' };
      return {
        up: true,
        detail: `cluster of ${/cluster_known_nodes:(\d+)/.exec(info)?.[1]} nodes`,
      };
    }
    const info = await client.info('server');
    return { up: true, detail: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown version' };
  } catch (error) {
    return { up: false, detail: (cause ?? (error as Error)).message || String(error) };
  } finally {
    client.disconnect();
  }
}

/** Probe results as global setup recorded them. */
export function serviceStatus(): Record<ServiceName, ServiceStatus> {
  const raw = process.env[SERVICES_ENV];
  if (!raw)
    throw new Error(
      `${SERVICES_ENV} is not set: run the tests through jest.config.js, whose global setup probes the services.`,
    );
  return JSON.parse(raw) as Record<ServiceName, ServiceStatus>;
}

export function runId(): string {
  const id = process.env[RUN_ENV];
  if (!id) throw new Error(`${RUN_ENV} is not set: run the tests through jest.config.js.`);
  return id;
}
