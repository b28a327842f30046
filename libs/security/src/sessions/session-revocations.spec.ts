import { MemoryPubSub, type RedisConnections } from '@lattice/core';
import type { ResolvedSecurityOptions } from '../security.options';
import { SessionRevocations } from './session-revocations';

const options = { jwt: { accessTtlSeconds: 600, clockSkewSeconds: 30 } } as ResolvedSecurityOptions;
// No REDIS_URL: one node, the in-process PubSub (the Redis set is covered by the integration tests).
const noRedis = { configured: false } as RedisConnections;

/** Resolves once the in-process PubSub has delivered what was published before it. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('SessionRevocations (in-process)', () => {
  let pubsub: MemoryPubSub;
  let revocations: SessionRevocations;
  beforeEach(async () => {
    pubsub = new MemoryPubSub('node-a');
    revocations = new SessionRevocations(options, noRedis, pubsub);
    await revocations.onModuleInit();
  });
  afterEach(() => revocations.onApplicationShutdown());

  it('refuses a revoked session at once, before the announcement is delivered', async () => {
    const heard: string[][] = [];
    revocations.onRevoked((ids) => heard.push(ids));
    expect(revocations.isRevoked('s1')).toBe(false);
    const revoking = revocations.revoke(['s1', 's2']);
    expect(revocations.isRevoked('s1')).toBe(true);
    await revoking;
    await delivered();
    expect(revocations.isRevoked('s2')).toBe(true);
    expect(revocations.isRevoked('s3')).toBe(false);
    // Listeners hear each session once, though the node also receives its own announcement.
    expect(heard).toEqual([['s1', 's2']]);
  });

  it('learns of sessions another node ended, and tells its listeners', async () => {
    const heard: string[][] = [];
    revocations.onRevoked((ids) => heard.push(ids));
    await pubsub.publish('lattice.security.sessions.revoked', {
      sessions: [['remote', Date.now() + 60_000]],
    });
    await delivered();
    expect(revocations.isRevoked('remote')).toBe(true);
    expect(heard).toEqual([['remote']]);
  });

  it('forgets a session once its tokens have expired (access ttl + clock skew)', async () => {
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now);
    try {
      await revocations.revoke(['old']);
      clock.mockReturnValue(now + 629_000);
      expect(revocations.isRevoked('old')).toBe(true);
      clock.mockReturnValue(now + 631_000);
      expect(revocations.isRevoked('old')).toBe(false);
      expect(revocations.size).toBe(0);
    } finally {
      clock.mockRestore();
    }
  });

  it('ignores malformed announcements and expired entries', async () => {
    await pubsub.publish('lattice.security.sessions.revoked', {
      sessions: [
        [42, Date.now() + 60_000],
        ['gone', Date.now() - 1],
      ],
    });
    await delivered();
    expect(revocations.size).toBe(0);
  });
});
