import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LiveMessages } from '../live.messages';

/** What a live session token carries: no secrets, only what is needed to mount again. */
export interface SessionClaims {
  /** Session id; the page's topic is `lv:<sid>`. */
  sid: string;
  /** Component name. */
  c: string;
  /** Mount props (JSON). */
  p: unknown;
  /** Expiry, in seconds since the epoch. */
  exp: number;
}

/**
 * Signs and checks live session tokens: base64url(JSON claims) + "." + base64url(HMAC-SHA256).
 * The server never takes a component or props from the wire except through a valid signature.
 */
export class SessionTokens {
  constructor(
    private readonly secret: string,
    private readonly ttlSeconds: number,
  ) {
    if (secret.length < 32) throw LiveMessages.secretTooShort();
  }

  issue(component: string, props: unknown): { token: string; claims: SessionClaims } {
    const claims: SessionClaims = {
      sid: randomBytes(12).toString('base64url'),
      c: component,
      p: props ?? null,
      exp: Math.floor(Date.now() / 1000) + this.ttlSeconds,
    };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, claims };
  }

  verify(token: unknown, now = Date.now()): SessionClaims {
    if (typeof token !== 'string' || token.length > 8192)
      throw LiveMessages.tokenInvalid('it is missing or malformed');
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined)
      throw LiveMessages.tokenInvalid('it is malformed');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw LiveMessages.tokenInvalid('its signature does not match');
    }
    let claims: SessionClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionClaims;
    } catch {
      throw LiveMessages.tokenInvalid('its content is not readable');
    }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < now)
      throw LiveMessages.tokenInvalid('it has expired');
    return claims;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
