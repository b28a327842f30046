import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import {
  runId,
  serviceStatus,
  TEST_MYSQL_URL,
  TEST_REDIS_CLUSTER_NODES,
  TEST_REDIS_URL,
} from './services';
import { testDatabasePrefix, testRedisPrefix } from './test-resources';

/** Removes whatever this run left behind: its databases and its Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const status = serviceStatus();
  const run = runId();
  if (status.mysql.up) {
    const connection = await createConnection({ uri: TEST_MYSQL_URL });
    try {
      const [rows] = await connection.query('SHOW DATABASES LIKE ?', [
        `${testDatabasePrefix(run)}%`,
      ]);
      for (const row of rows as Record<string, string>[]) {
        await connection.query(`DROP DATABASE IF EXISTS \`${Object.values(row)[0]}\``);
      }
    } finally {
      await connection.end();
    }
  }
  if (status.redis.up) {
    const client = new Redis(TEST_REDIS_URL);
    try {
      const stream = client.scanStream({ match: `${testRedisPrefix(run)}*`, count: 500 });
      for await (const keys of stream as AsyncIterable<string[]>)
        if (keys.length) await client.unlink(...keys);
    } finally {
      client.disconnect();
    }
  }
  if (status['redis-cluster'].up) {
    const cluster = new Redis.Cluster(TEST_REDIS_CLUSTER_NODES);
    try {
      await new Promise((resolve, reject) => cluster.once('ready', resolve).once('error', reject));
      for (const node of cluster.nodes('master')) {
        const stream = node.scanStream({ match: `${testRedisPrefix(run)}*`, count: 500 });
        for await (const keys of stream as AsyncIterable<string[]>)
          for (const key of keys) await node.unlink(key); // one by one: keys of other slots may sit together
      }
    } finally {
      cluster.disconnect();
    }
  }
}
