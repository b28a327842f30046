import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYPE, SECURITY_MODULE_OPTIONS } from '../security.constants';
import type { AuthUser } from '../security.interfaces';
import { SecurityMessages } from '../security.messages';
import type { ResolvedSecurityOptions } from '../security.options';

/** Compact JWS: three base64url parts, the signature not empty (alg "none" tokens end in "."). */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8192;

interface AccessClaims {
  typ: string;
  sub: string;
  name: string;
  roles: string[];
  sid: string;
  exp: number;
  nbf: number;
  iat: number;
}

/**
 * Signs and verifies access tokens. Verification trusts nothing in the token's header: the
 * algorithm must be exactly the configured one (so never `none`, and never HS256 where RS256 is
 * configured), the key is always the configured one (`kid`, `jku`, `jwk`, `x5u`, `x5c` are never
 * read), and `iss`, `aud`, `exp`, `nbf` and `iat` are required and checked with bounded skew.
 */
@Injectable()
export class AccessTokens {
  private readonly jwt = new JwtService();

  constructor(@Inject(SECURITY_MODULE_OPTIONS) private readonly options: ResolvedSecurityOptions) {}

  /** Seconds an access token lives. */
  get ttlSeconds(): number {
    return this.options.jwt.accessTtlSeconds;
  }

  async sign(user: Omit<AuthUser, 'sessionId'>, sessionId: string): Promise<string> {
    const { jwt } = this.options;
    return this.jwt.signAsync(
      { typ: ACCESS_TOKEN_TYPE, name: user.username, roles: user.roles, sid: sessionId },
      {
        algorithm: jwt.algorithm,
        secret: jwt.signingKey,
        expiresIn: jwt.accessTtlSeconds,
        notBefore: 0,
        issuer: jwt.issuer,
        audience: jwt.audience,
        subject: user.id,
        jwtid: randomUUID(),
      },
    );
  }

  /** The user the token names; throws `AuthenticationError` (401) for any token that is not ours and current. */
  async verify(token: string): Promise<AuthUser> {
    const { jwt } = this.options;
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token))
      throw SecurityMessages.tokenInvalid();
    const header = decodePart(token.split('.')[0]);
    // Checked before the library sees the token: one algorithm, no critical extensions.
    if (!header || header.alg !== jwt.algorithm || 'crit' in header)
      throw SecurityMessages.tokenInvalid();
    if (header.typ !== undefined && header.typ !== 'JWT') throw SecurityMessages.tokenInvalid();
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, {
        algorithms: [jwt.algorithm],
        secret: jwt.verifyingKey,
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: jwt.clockSkewSeconds,
        maxAge: jwt.accessTtlSeconds,
      });
    } catch (error) {
      if ((error as Error).name === 'TokenExpiredError') throw SecurityMessages.tokenExpired();
      throw SecurityMessages.tokenInvalid();
    }
    if (
      claims.typ !== ACCESS_TOKEN_TYPE ||
      typeof claims.sub !== 'string' ||
      typeof claims.name !== 'string' ||
      typeof claims.sid !== 'string' ||
      typeof claims.exp !== 'number' ||
      typeof claims.nbf !== 'number' ||
      typeof claims.iat !== 'number' ||
      !Array.isArray(claims.roles) ||
      !claims.roles.every((role) => typeof role === 'string')
    )
      throw SecurityMessages.tokenInvalid();
    // The library checks exp and nbf; a token from the future or one that lives longer than we
    // issue them was not made by us.
    const now = Math.floor(Date.now() / 1000);
    if (claims.iat > now + jwt.clockSkewSeconds || claims.exp - claims.iat > jwt.accessTtlSeconds)
      throw SecurityMessages.tokenInvalid();
    return { id: claims.sub, username: claims.name, roles: claims.roles, sessionId: claims.sid };
  }
}

function decodePart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
