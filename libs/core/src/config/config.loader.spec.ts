import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigValidationError } from '../errors/config-validation.error';
import { loadLatticeConfig, maskUrlPassword, showValue } from './config.loader';

function envFile(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lattice-env-')), '.env');
  writeFileSync(file, content);
  return file;
}

function failure(load: () => unknown): ConfigValidationError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected a ConfigValidationError');
}

describe('loadLatticeConfig', () => {
  it('applies the defaults when nothing is set', () => {
    const config = loadLatticeConfig({ env: {}, envFile: false });
    expect(config.values).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      REDIS_KEY_PREFIX: 'lattice:',
      REDIS_COMMAND_TIMEOUT_MS: 1000,
      REDIS_CONNECT_TIMEOUT_MS: 1000,
      DATABASE_CONNECT_TIMEOUT_MS: 1000,
      DATABASE_ACQUIRE_TIMEOUT_MS: 1000,
      DATABASE_QUERY_TIMEOUT_MS: 1000,
      LOG_LEVEL: 'log',
      SHUTDOWN_DELAY_MS: 0,
      SHUTDOWN_TIMEOUT_MS: 10_000,
    });
  });

  it('coerces and keeps valid values', () => {
    const config = loadLatticeConfig({
      env: {
        PORT: '8080',
        DATABASE_URL: 'mariadb://u:p@db:3307/forum',
        REDIS_URL: 'rediss://cache:6380/2',
      },
      envFile: false,
    });
    expect(config.get('PORT')).toBe(8080);
    expect(config.get('DATABASE_URL')).toBe('mariadb://u:p@db:3307/forum');
    expect(config.get('REDIS_URL')).toBe('rediss://cache:6380/2');
  });

  it('reads a .env file, and the environment wins over it', () => {
    const file = envFile(
      'PORT=4000\nLOG_LEVEL=debug\n# a comment\nREDIS_URL="redis://from-file:6379"\n',
    );
    const config = loadLatticeConfig({ env: { PORT: '5000' }, envFile: file });
    expect(config.get('PORT')).toBe(5000);
    expect(config.get('LOG_LEVEL')).toBe('debug');
    expect(config.get('REDIS_URL')).toBe('redis://from-file:6379');
  });

  it('ignores a .env file that does not exist', () => {
    expect(loadLatticeConfig({ env: {}, envFile: '/nonexistent/.env' }).get('PORT')).toBe(3000);
  });

  it('treats empty values as unset', () => {
    const config = loadLatticeConfig({ env: { DATABASE_URL: '', PORT: '' }, envFile: false });
    expect(config.get('DATABASE_URL')).toBeUndefined();
    expect(config.get('PORT')).toBe(3000);
  });

  it('lists every invalid variable at once, with its value, problem and expected form', () => {
    const error = failure(() =>
      loadLatticeConfig({
        env: { PORT: 'abc', DATABASE_URL: 'foo://x', LOG_LEVEL: 'loud' },
        envFile: false,
      }),
    );
    expect(error.problems.map((p) => p.variable)).toEqual(['PORT', 'DATABASE_URL', 'LOG_LEVEL']);
    expect(error.problems[0]).toMatchObject({ shownValue: 'abc', problem: 'not a number' });
    expect(error.problems[0].expected).toContain('1 to 65535');
    expect(error.problems[1].problem).toContain('"foo:" is not supported');
    expect(error.message).toMatch(/^Lattice cannot start: 3 environment variables are invalid\./);
    expect(error.message).toContain('PORT = "abc": not a number');
    expect(error.describe()).toContain('Fix them in the environment');
    expect(error.code).toBe('LATTICE_CONFIG_INVALID');
  });

  it.each([
    ['PORT', '0', 'below 1'],
    ['PORT', '70000', 'above 65535'],
    ['PORT', '80.5', 'not a whole number'],
    ['DATABASE_URL', 'mysql://root@db', 'no database name'],
    ['DATABASE_URL', 'sqlite:', 'no file path'],
    ['DATABASE_URL', 'just words', 'not a URL'],
    ['REDIS_URL', 'http://cache:6379', '"http:" is not supported'],
    ['REDIS_URL', 'redis://cache:6379/cats', 'not a database number'],
    ['REDIS_KEY_PREFIX', 'has space', 'characters other than'],
    ['NODE_ENV', 'staging', 'not a known environment'],
  ])('rejects %s=%s (%s)', (variable, value, problem) => {
    const error = failure(() => loadLatticeConfig({ env: { [variable]: value }, envFile: false }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0].variable).toBe(variable);
    expect(error.problems[0].problem).toContain(problem);
  });

  it('validates the app’s own variables with the same report', () => {
    const schema = {
      FORUM_TITLE: z
        .string()
        .min(3, { error: 'too short' })
        .describe('a title of 3 characters or more'),
      FORUM_API_KEY: z.string().describe('the API key'),
    };
    const error = failure(() =>
      loadLatticeConfig({ env: { FORUM_TITLE: 'ab' }, envFile: false, schema }),
    );
    expect(error.problems).toEqual([
      {
        variable: 'FORUM_TITLE',
        shownValue: 'ab',
        problem: 'too short',
        expected: 'a title of 3 characters or more',
      },
      expect.objectContaining({
        variable: 'FORUM_API_KEY',
        shownValue: undefined,
        expected: 'the API key',
      }),
    ]);
    expect(error.message).toContain('FORUM_API_KEY (not set)');

    const config = loadLatticeConfig({
      env: { FORUM_TITLE: 'Forum', FORUM_API_KEY: 'k' },
      envFile: false,
      schema,
    });
    expect(config.get('FORUM_TITLE')).toBe('Forum');
  });

  it('never prints secrets or URL passwords in errors', () => {
    const error = failure(() =>
      loadLatticeConfig({
        env: { DATABASE_URL: 'mysql://root:hunter2@db', APP_SECRET: 'hunter2' },
        envFile: false,
        schema: { APP_SECRET: z.string().min(20).describe('at least 20 characters') },
      }),
    );
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain('mysql://root:***@db');
    expect(error.message).toContain('(hidden, 7 characters)');
  });
});

describe('showValue and maskUrlPassword', () => {
  it('masks only what is secret', () => {
    expect(maskUrlPassword('redis://:pw@host:6379')).toBe('redis://:***@host:6379');
    expect(maskUrlPassword('redis://host:6379')).toBe('redis://host:6379');
    expect(maskUrlPassword('not a url')).toBe('not a url');
    expect(showValue('JWT_SECRET', 'abc')).toBe('(hidden, 3 characters)');
    expect(showValue('PORT', undefined)).toBeUndefined();
  });
});
