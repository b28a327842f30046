import { Inject, Injectable, Optional } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { SECURITY_MODULE_OPTIONS, SECURITY_REFRESH_TOKEN_STORE } from '../security.constants';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';
import type { RefreshTokenStore } from '../stores/refresh-token-store.interface';
import { SessionRevocations } from '../sessions/session-revocations';

/** `<family uuid>.<43 base64url characters>`. */
const REFRESH_TOKEN = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

export interface RotatedRefreshToken {
  token: string;
  familyId: string;
  userId: string;
}

/**
 * Refresh tokens are opaque (`<family>.<secret>`), stored only as a SHA-256 of the secret. Each
 * use rotates the family to a new secret; presenting an earlier secret of the family means it
 * was copied, so the whole family (the session) is revoked. Every revocation also ends the
 * session's access tokens at once (`SessionRevocations`).
 */
@Injectable()
export class RefreshTokens {
  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    @Inject(SECURITY_REFRESH_TOKEN_STORE) private readonly store: RefreshTokenStore,
    private readonly revocations: SessionRevocations,
    @Optional() private readonly audit?: AuditLog,
  ) {}

  /** Starts a family (a login session) and returns its first token. */
  async issue(userId: string): Promise<RotatedRefreshToken> {
    const familyId = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const createdAt = new Date();
    await this.store.create({
      id: familyId,
      userId,
      tokenHash: digest(secret),
      expiresAt: this.expiry(createdAt),
      createdAt,
    });
    return { token: `${familyId}.${secret}`, familyId, userId };
  }

  /** Exchanges a token for the next one of its family; a reused token revokes the family. */
  async rotate(token: string): Promise<RotatedRefreshToken> {
    const match = REFRESH_TOKEN.exec(token);
    if (!match) throw SecurityMessages.refreshInvalid();
    const [, familyId, secret] = match;
    const family = await this.store.find(familyId);
    if (!family || family.revokedAt || family.expiresAt.getTime() <= Date.now())
      throw SecurityMessages.refreshInvalid();
    const presented = digest(secret);
    if (!sameHash(presented, family.tokenHash)) return this.reused(familyId, family.userId);
    const next = randomBytes(32).toString('base64url');
    // Two requests with the same token: only one rotation can match the expected hash.
    if (
      !(await this.store.rotate(familyId, presented, digest(next), this.expiry(family.createdAt)))
    )
      return this.reused(familyId, family.userId);
    return { token: `${familyId}.${next}`, familyId, userId: family.userId };
  }

  /** Ends the session a refresh token belongs to (the token need not be the latest); resolves to its id. */
  async revokeToken(token: string, reason = 'logout'): Promise<string | undefined> {
    const match = REFRESH_TOKEN.exec(token);
    if (!match) return undefined;
    await this.revokeFamily(match[1], reason);
    return match[1];
  }

  /** Ends one session: its refresh tokens, and its access tokens on every node. */
  async revokeFamily(familyId: string, reason = 'logout'): Promise<void> {
    await this.store.revoke(familyId, reason);
    await this.revocations.revoke([familyId]);
  }

  /** Ends every session of a user; resolves to their ids. */
  async revokeAllForUser(userId: string, reason = 'logout-all'): Promise<string[]> {
    const ids = await this.store.revokeAllForUser(userId, reason);
    await this.revocations.revoke(ids);
    return ids;
  }

  /** True while the family exists, is not revoked and has not expired. */
  async isActive(familyId: string): Promise<boolean> {
    const family = await this.store.find(familyId);
    return !!family && !family.revokedAt && family.expiresAt.getTime() > Date.now();
  }

  private async reused(familyId: string, userId: string): Promise<never> {
    await this.revokeFamily(familyId, 'reuse');
    await this.audit?.recordQuietly({
      type: 'refresh.reused',
      actorId: userId,
      subject: `session:${familyId}`,
    });
    throw SecurityMessages.refreshReused();
  }

  /**
   * `refreshTtlSeconds` from now (an idle session ends), but never after `sessionLifetimeSeconds`
   * from the login (a session refreshed forever ends too: ASVS 7.3.2).
   */
  private expiry(sessionStart: Date): Date {
    return new Date(
      Math.min(
        Date.now() + this.options.refreshTtlSeconds * 1000,
        sessionStart.getTime() + this.options.sessionLifetimeSeconds * 1000,
      ),
    );
  }
}

function digest(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}
