import { BadRequestException, Inject, Injectable, Optional } from '@nestjs/common';
import { AuditLog } from '../audit/audit-log';
import { LoginLockedError } from '../errors/login-locked.error';
import { z } from 'zod';
import { UsernameTakenError } from '../errors/username-taken.error';
import { clientIp, bearerToken, readCookies, type HttpRequestLike } from '../http/cookies';
import { SECURITY_MODULE_OPTIONS, SECURITY_USER_STORE } from '../security.constants';
import type { AuthUser } from '../security.interfaces';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';
import type { SecurityUserStore, StoredUser } from '../stores/user-store.interface';
import { AccessTokens } from './access-tokens';
import { LoginThrottle } from './login-throttle';
import { PasswordHasher } from './password-hasher';
import { RefreshTokens } from './refresh-tokens';
import { SessionRevocations } from '../sessions/session-revocations';

/** What a successful registration, login or refresh hands out. */
export interface IssuedTokens {
  user: Omit<AuthUser, 'sessionId'>;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  sessionId: string;
}

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Accounts and sessions: registration and login with argon2id, short-lived JWT access tokens,
 * rotating refresh tokens with reuse detection, logout, and the lockout of guessed passwords.
 * The routes (`SecurityModule`'s `auth/*`) and the guard use it; apps may call it directly.
 */
@Injectable()
export class AuthenticationManager {
  private readonly credentials: z.ZodType<Credentials>;

  constructor(
    @Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions,
    @Inject(SECURITY_USER_STORE) private readonly users: SecurityUserStore,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokens,
    private readonly refreshTokens: RefreshTokens,
    private readonly throttle: LoginThrottle,
    private readonly revocations: SessionRevocations,
    @Optional() private readonly audit?: AuditLog,
  ) {
    this.credentials = z.object({
      username: z
        .string()
        .transform((name) => name.normalize('NFKC').trim().toLowerCase())
        .pipe(z.string().min(3).max(190)),
      // 128 is far above any passphrase and keeps one request from costing a long argon2 run.
      password: z.string().min(options.passwords.minLength).max(128),
    });
  }

  /**
   * Creates an account with the default roles (never roles from the request) and logs it in.
   * `input.profile`, if an object, goes to the user store unvalidated (see `SecurityUserStore.create`).
   */
  async register(input: unknown): Promise<IssuedTokens> {
    const { username, password } = this.parse(input);
    const raw = (input as { profile?: unknown }).profile;
    const profile =
      raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    const passwordHash = await this.passwords.hash(password);
    const user = await this.users.create(
      {
        username,
        passwordHash,
        roles: [...this.options.defaultRoles],
      },
      profile,
    );
    if (!user) throw new UsernameTakenError(username);
    await this.audit?.recordQuietly({
      type: 'user.registered',
      actorId: user.id,
      subject: `user:${user.id}`,
    });
    return this.issue(user);
  }

  /**
   * Checks the password; `ip` is the client's address for the per-address lockout. Unknown
   * usernames cost the same time as known ones and get the same answer.
   */
  async login(input: unknown, ip: string): Promise<IssuedTokens> {
    const parsed = z.object({ username: z.string(), password: z.string() }).safeParse(input);
    if (!parsed.success) throw SecurityMessages.credentialsInvalid();
    const username = parsed.data.username.normalize('NFKC').trim().toLowerCase();
    const password = parsed.data.password;
    try {
      await this.throttle.check(username, ip);
    } catch (error) {
      if (error instanceof LoginLockedError)
        await this.audit?.recordQuietly({
          type: 'login.locked',
          ip,
          subject: `username:${username}`,
          data: { scope: error.scope },
        });
      throw error;
    }
    const user = password.length <= 128 ? await this.users.findByUsername(username) : null;
    const valid = user
      ? await this.passwords.verify(user.passwordHash, password)
      : (await this.passwords.burn(password), false);
    if (!user || !valid) {
      await this.throttle.failed(username, ip);
      await this.audit?.recordQuietly({
        type: 'login.failed',
        actorId: user?.id ?? null,
        ip,
        subject: `username:${username}`,
      });
      throw SecurityMessages.credentialsInvalid();
    }
    await this.throttle.succeeded(username);
    await this.audit?.recordQuietly({
      type: 'login.succeeded',
      actorId: user.id,
      ip,
      subject: `user:${user.id}`,
    });
    if (this.passwords.outdated(user.passwordHash))
      await this.users.updatePasswordHash(user.id, await this.passwords.hash(password));
    return this.issue(user);
  }

  /** A new access token and the next refresh token of the same session; a reused token ends the session. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const rotated = await this.refreshTokens.rotate(refreshToken);
    const user = await this.users.findById(rotated.userId);
    if (!user) {
      await this.refreshTokens.revokeFamily(rotated.familyId, 'user-gone');
      throw SecurityMessages.refreshInvalid();
    }
    const profile = toProfile(user);
    return {
      user: profile,
      accessToken: await this.accessTokens.sign(profile, rotated.familyId),
      expiresIn: this.accessTokens.ttlSeconds,
      refreshToken: rotated.token,
      sessionId: rotated.familyId,
    };
  }

  /** Ends one session: its refresh and access tokens stop working, its sockets close (4401), on every node. */
  async logout(sessionId: string, actorId?: string): Promise<void> {
    await this.refreshTokens.revokeFamily(sessionId, 'logout');
    await this.audit?.recordQuietly({ type: 'logout', actorId, subject: `session:${sessionId}` });
  }

  /** Ends the session a refresh token belongs to. */
  async logoutByRefreshToken(refreshToken: string): Promise<void> {
    const sessionId = await this.refreshTokens.revokeToken(refreshToken, 'logout');
    if (sessionId)
      await this.audit?.recordQuietly({ type: 'logout', subject: `session:${sessionId}` });
  }

  /**
   * Ends every session of a user, as `logout` ends one ("log out everywhere", after a password
   * change, or by an admin: `actorId` is who asked, the user by default, null for the command
   * line). Resolves to how many.
   */
  async logoutEverywhere(userId: string, actorId: string | null = userId): Promise<number> {
    const ids = await this.refreshTokens.revokeAllForUser(
      userId,
      actorId === userId ? 'logout-all' : 'admin',
    );
    await this.audit?.recordQuietly({
      type: 'logout.everywhere',
      actorId,
      subject: `user:${userId}`,
      data: { sessions: ids.length },
    });
    return ids.length;
  }

  /**
   * Verifies an access token and that its session was not ended (a lookup in this node's copy of
   * the revoked sessions: no round trip); with `checkSessionOnEachRequest`, also in the store.
   */
  async verifyAccessToken(token: string): Promise<AuthUser> {
    const user = await this.accessTokens.verify(token);
    if (this.revocations.isRevoked(user.sessionId)) throw SecurityMessages.sessionRevoked();
    if (
      this.options.checkSessionOnEachRequest &&
      !(await this.refreshTokens.isActive(user.sessionId))
    )
      throw SecurityMessages.sessionRevoked();
    return user;
  }

  /**
   * The access token a request carries: the bearer header first (APIs), then the cookie (pages).
   */
  accessTokenOf(request: HttpRequestLike): string | undefined {
    return bearerToken(request) ?? readCookies(request)[this.options.cookies.accessName];
  }

  refreshTokenOf(request: HttpRequestLike): string | undefined {
    const body = request.body as { refreshToken?: unknown } | undefined;
    if (typeof body?.refreshToken === 'string') return body.refreshToken;
    return readCookies(request)[this.options.cookies.refreshName];
  }

  /** The user of a request, or undefined when it has no token; throws for a bad one. */
  async authenticate(request: HttpRequestLike): Promise<AuthUser | undefined> {
    const token = this.accessTokenOf(request);
    return token === undefined ? undefined : this.verifyAccessToken(token);
  }

  clientIp(request: HttpRequestLike): string {
    return clientIp(request);
  }

  private async issue(user: StoredUser): Promise<IssuedTokens> {
    const profile = toProfile(user);
    const refresh = await this.refreshTokens.issue(user.id);
    return {
      user: profile,
      accessToken: await this.accessTokens.sign(profile, refresh.familyId),
      expiresIn: this.accessTokens.ttlSeconds,
      refreshToken: refresh.token,
      sessionId: refresh.familyId,
    };
  }

  private parse(input: unknown): Credentials {
    const result = this.credentials.safeParse(input ?? {});
    if (result.success) return result.data;
    const problems = result.error.issues.map(
      (issue) => `${issue.path.length ? issue.path.join('.') : 'body'}: ${issue.message}`,
    );
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: problems });
  }
}

function toProfile(user: StoredUser): Omit<AuthUser, 'sessionId'> {
  return { id: user.id, username: user.username, roles: [...user.roles] };
}
