/** Which implementation each part of Lattice runs on. */
export interface DriverKinds {
  database: 'sqlite' | 'mysql';
  cache: 'memory' | 'redis';
  queue: 'memory' | 'bullmq';
  state: 'memory' | 'redis';
  events: 'memory' | 'redis';
  pubsub: 'memory' | 'redis';
}

export type DriverPart = keyof DriverKinds;

/** Where the SQL database lives. */
export type DatabaseTarget =
  | { kind: 'sqlite'; /** absolute path, or ':memory:' */ path: string }
  | {
      kind: 'mysql';
      url: string;
      /** The URL with its password masked, for logs and errors. */
      safeUrl: string;
      host: string;
      port: number;
      database: string;
    };

/** Where Redis lives, when it is configured. */
export interface RedisTarget {
  url: string;
  safeUrl: string;
  /** Prefix for every key and channel Lattice writes (REDIS_KEY_PREFIX). */
  keyPrefix: string;
  /** How long a command may take before it fails (REDIS_COMMAND_TIMEOUT_MS, default 1000). */
  commandTimeoutMs: number;
  /** How long a connection may take to become ready (REDIS_CONNECT_TIMEOUT_MS, default 1000). */
  connectTimeoutMs: number;
}
