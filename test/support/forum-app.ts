import type { INestApplication } from '@nestjs/common';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createForumApp, HttpPlatform } from '../../src/app.factory';
import { forumLimitsShape } from '../../src/forum.config';

/** Variables the Forum app reads; each test sets all of them so the developer's own .env or shell cannot leak in. */
const FORUM_ENV = [
  'DATABASE_URL',
  'REDIS_URL',
  'REDIS_KEY_PREFIX',
  'LOG_LEVEL',
  'NODE_ENV',
  'FORUM_SEED_ON_START',
  'QUEUE_WORKERS',
  'JWT_SECRET',
  'ENCRYPTION_KEYS',
  'LIVE_SECRET',
  'REDIS_COMMAND_TIMEOUT_MS',
  'REDIS_CONNECT_TIMEOUT_MS',
  'DATABASE_CONNECT_TIMEOUT_MS',
  'DATABASE_ACQUIRE_TIMEOUT_MS',
  'DATABASE_QUERY_TIMEOUT_MS',
  'AI_BASE_URL',
  'AI_API_KEY',
  'AI_MODEL',
  ...Object.keys(forumLimitsShape),
];
const DEFAULTS: Record<string, string> = { LOG_LEVEL: 'error', FORUM_SEED_ON_START: 'never' };

/** A throwaway SQLite file, so tests never touch var/lattice.sqlite. */
export function tempSqliteUrl(): string {
  return `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-test-')), 'forum.sqlite')}`;
}

/**
 * Starts the Forum exactly as main.ts builds it, on a random local port, with the given
 * environment (unset variables are removed for the duration of the boot).
 */
export async function startForum(
  platform: HttpPlatform,
  env: Record<string, string | undefined>,
): Promise<{ app: INestApplication; url: string }> {
  const saved = Object.fromEntries(FORUM_ENV.map((key) => [key, process.env[key]]));
  for (const key of FORUM_ENV) {
    const value = key in env ? env[key] : DEFAULTS[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  try {
    const app = await createForumApp(platform);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { app, url };
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
