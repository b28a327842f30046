import { LatticeError } from '@lattice/core';
import { AuthenticationError } from './errors/authentication.error';

/** Every error the security library raises on purpose: the thing, the cause, the fix. */
export const SecurityMessages = {
  tokenMissing: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_TOKEN_MISSING',
      'This route needs an access token: send "Authorization: Bearer <token>" or log in to get the cookie.',
    ),
  tokenInvalid: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_TOKEN_INVALID',
      'The access token is not valid. Log in again.',
    ),
  tokenExpired: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_TOKEN_EXPIRED',
      'The access token has expired. Refresh it (POST the refresh token) or log in again.',
    ),
  sessionRevoked: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_SESSION_REVOKED',
      'This session was ended (logout or a reused refresh token). Log in again.',
    ),
  credentialsInvalid: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_CREDENTIALS_INVALID',
      'The username or password is wrong.',
    ),
  refreshInvalid: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_REFRESH_INVALID',
      'The refresh token is missing, unknown, expired or revoked. Log in again.',
    ),
  refreshReused: () =>
    new AuthenticationError(
      'LATTICE_SECURITY_REFRESH_REUSED',
      'This refresh token was already used, so the session was ended on every device that shared it. Log in again.',
    ),
  secretMissing: () =>
    new LatticeError(
      'LATTICE_SECURITY_SECRET_MISSING',
      'No JWT secret is configured, so access tokens cannot be signed.',
      'Set JWT_SECRET (32 bytes or more; add securityConfigShape to LatticeModule.forRoot({ schema })), or pass jwt.secret to SecurityModule.forRoot().',
    ),
  secretTooShort: (bytes: number) =>
    new LatticeError(
      'LATTICE_SECURITY_SECRET_TOO_SHORT',
      `The JWT secret is ${bytes} bytes long; HMAC keys shorter than 32 bytes can be brute-forced offline.`,
      'Use at least 32 random bytes, e.g. `openssl rand -base64 48`.',
    ),
  keyPairMissing: (algorithm: string) =>
    new LatticeError(
      'LATTICE_SECURITY_KEYS_MISSING',
      `The JWT algorithm ${algorithm} needs jwt.privateKey and jwt.publicKey (PEM), and at least one is missing.`,
      'Pass both keys, or use HS256 with a secret.',
    ),
  algorithmUnsupported: (algorithm: string, supported: readonly string[]) =>
    new LatticeError(
      'LATTICE_SECURITY_ALGORITHM_UNSUPPORTED',
      `The JWT algorithm "${algorithm}" is not supported. Supported: ${supported.join(', ')}.`,
      'Choose one of them in jwt.algorithm.',
    ),
  clockSkewTooLarge: (seconds: number) =>
    new LatticeError(
      'LATTICE_SECURITY_CLOCK_SKEW',
      `jwt.clockSkewSeconds is ${seconds}; more than 300 s would keep expired tokens alive.`,
      'Use 0 to 300 seconds (default 30).',
    ),
  storeMissing: (what: string, token: string) =>
    new LatticeError(
      'LATTICE_SECURITY_STORE_MISSING',
      `The ${what} store needs the database, but DatabaseModule is not imported.`,
      `Import DatabaseModule.forRoot(), or give SecurityModule your own class (${token}).`,
    ),
} as const;
