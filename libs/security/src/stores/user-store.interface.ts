/** An account as the authentication manager needs it. */
export interface StoredUser {
  id: string;
  /** What the person logs in with (lower-cased and trimmed before it reaches the store). */
  username: string;
  /** The argon2id PHC string; never leaves the server. */
  passwordHash: string;
  roles: string[];
}

/**
 * Where accounts live. `SecurityModule` uses its TypeORM store (`lattice_users`) unless the app
 * gives its own class: `SecurityModule.forRoot({ userStore: ForumUserStore, imports: [...] })`, for
 * example over an existing `users` table with a `password_hash` column.
 */
export interface SecurityUserStore {
  findByUsername(username: string): Promise<StoredUser | null>;
  findById(id: string): Promise<StoredUser | null>;
  /**
   * Creates the account; resolves to `null` when the username is taken (a unique index should
   * say so). `profile` is the registration body's `profile` object (for example a display name):
   * it comes from the request as is, so validate it here and ignore what you do not expect.
   */
  create(
    user: Omit<StoredUser, 'id'>,
    profile: Record<string, unknown>,
  ): Promise<StoredUser | null>;
  /** Stores a new hash of the same password (after a change of argon2 parameters). */
  updatePasswordHash(id: string, passwordHash: string): Promise<void>;
}
