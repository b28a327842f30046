import { loadLatticeConfig } from '@lattice/core';
import { forumConfigShape, forumLimitsShape } from './forum.config';

const load = (env: Record<string, string>) =>
  loadLatticeConfig({ env, envFile: false, schema: forumConfigShape });

describe('the Forum limits configuration', () => {
  it('defaults every limit to the value the code had', () => {
    const config = load({});
    const limits = Object.fromEntries(
      Object.keys(forumLimitsShape).map((key) => [
        key,
        config.get(key as keyof typeof forumLimitsShape),
      ]),
    );
    expect(limits).toEqual({
      RATE_LIMIT_IP_PER_MINUTE: 300,
      RATE_LIMIT_USER_PER_MINUTE: 60,
      WRITE_LIMIT_QUESTIONS_PER_MINUTE: 5,
      WRITE_LIMIT_ANSWERS_PER_MINUTE: 10,
      WRITE_LIMIT_VOTES_PER_MINUTE: 60,
      LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: 5,
      LOGIN_MAX_ATTEMPTS_PER_IP: 20,
      LOGIN_LOCK_SECONDS: 900,
      SOCKET_MAX_CONNECTIONS_PER_USER: 10,
      SOCKET_USER_MESSAGES_PER_SECOND: 120,
    });
  });

  it('reads a set value as a number', () => {
    const config = load({
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      SOCKET_MAX_CONNECTIONS_PER_USER: '0',
    });
    expect(config.get('RATE_LIMIT_IP_PER_MINUTE')).toBe(100_000);
    expect(config.get('SOCKET_MAX_CONNECTIONS_PER_USER')).toBe(0);
  });

  it('refuses negative, fractional and non-numeric values, naming each variable', () => {
    expect(() =>
      load({
        RATE_LIMIT_IP_PER_MINUTE: '-1',
        RATE_LIMIT_USER_PER_MINUTE: 'lots',
        LOGIN_LOCK_SECONDS: '1.5',
        WRITE_LIMIT_VOTES_PER_MINUTE: '0',
        SOCKET_MAX_CONNECTIONS_PER_USER: '-3',
      }),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /(?=[\s\S]*RATE_LIMIT_IP_PER_MINUTE = "-1": below 1)(?=[\s\S]*RATE_LIMIT_USER_PER_MINUTE = "lots": not a number)(?=[\s\S]*LOGIN_LOCK_SECONDS = "1.5": not a whole number)(?=[\s\S]*WRITE_LIMIT_VOTES_PER_MINUTE = "0": below 1)(?=[\s\S]*SOCKET_MAX_CONNECTIONS_PER_USER = "-3": below 0)/,
        ),
      }),
    );
  });
});

describe('the Forum cluster configuration', () => {
  it("defaults to a web node on the library's beat, and reads set values", () => {
    expect(
      ['CLUSTER_ROLE', 'CLUSTER_HEARTBEAT_MS', 'CLUSTER_TTL_MS'].map((key) =>
        load({}).get(key as 'CLUSTER_ROLE'),
      ),
    ).toEqual(['web', 1000, undefined]);
    const set = load({
      CLUSTER_ROLE: 'worker',
      CLUSTER_HEARTBEAT_MS: '500',
      CLUSTER_TTL_MS: '2000',
    });
    expect([
      set.get('CLUSTER_ROLE'),
      set.get('CLUSTER_HEARTBEAT_MS'),
      set.get('CLUSTER_TTL_MS'),
    ]).toEqual(['worker', 500, 2000]);
  });

  it('refuses an unknown role and a beat below 100 ms, naming each variable', () => {
    expect(() => load({ CLUSTER_ROLE: 'leader', CLUSTER_HEARTBEAT_MS: '10' })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /(?=[\s\S]*CLUSTER_ROLE = "leader": not one of web, worker)(?=[\s\S]*CLUSTER_HEARTBEAT_MS = "10": below 100)/,
        ),
      }),
    );
  });
});
