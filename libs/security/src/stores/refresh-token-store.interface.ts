/** One login session: its refresh tokens, of which only the latest may be used. */
export interface RefreshTokenFamily {
  id: string;
  userId: string;
  /** SHA-256 (hex) of the family's current token secret. */
  tokenHash: string;
  /** How many times the family was rotated. */
  generation: number;
  expiresAt: Date;
  /** When the session began (the login): it ends `sessionLifetimeSeconds` later at the latest. */
  createdAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

/** Where refresh-token families live; `rotate` must be atomic (a compare-and-set). */
export interface RefreshTokenStore {
  create(
    family: Pick<RefreshTokenFamily, 'id' | 'userId' | 'tokenHash' | 'expiresAt' | 'createdAt'>,
  ): Promise<void>;
  find(id: string): Promise<RefreshTokenFamily | null>;
  /**
   * Replaces the current token hash only if it is still `expectedHash` and the family is not
   * revoked. Resolves to false when another request rotated it first (the token was reused).
   */
  rotate(id: string, expectedHash: string, nextHash: string, expiresAt: Date): Promise<boolean>;
  revoke(id: string, reason: string): Promise<void>;
  /**
   * Revokes every family of a user not revoked yet; resolves to their ids (so their access
   * tokens can be refused too).
   */
  revokeAllForUser(userId: string, reason: string): Promise<string[]>;
}
