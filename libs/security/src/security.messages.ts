import { closestName, LatticeError } from '@lattice/core';
import { AccessDeniedError } from './errors/access-denied.error';
import { AuthenticationError } from './errors/authentication.error';
import { CsrfRejectedError } from './errors/csrf-rejected.error';

/** Every error the security library raises on purpose: the thing, the cause, the fix. */
export const SecurityMessages = {
  extraInFactory: (key: string) =>
    new LatticeError(
      'LATTICE_SECURITY_OPTION_IN_FACTORY',
      `SecurityModule option "${key}" came from the options factory, but it shapes the module (its routes, tables or providers), so it must be known before the factory runs.`,
      `Pass it beside the factory: SecurityModule.forRootAsync({ ${key}: …, useFactory: … }).`,
    ),
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
      'This session was ended (logout, "log out everywhere", an administrator, or a reused refresh token). Log in again.',
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
  cookiePrefixInvalid: (name: string, why: string) =>
    new LatticeError(
      'LATTICE_SECURITY_COOKIE_PREFIX',
      `The cookie name "${name}" has a prefix browsers refuse here: ${why}.`,
      'Drop the prefix from the name, or use __Host- only for a Secure cookie without a domain on Path=/ (the access cookie) and __Secure- only for Secure cookies.',
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
  roleMissing: (required: string[]) =>
    new AccessDeniedError(
      `This needs the role ${required.map((r) => `"${r}"`).join(' or ')} (or one that includes it).`,
    ),
  permissionMissing: (action: string, subject: string) =>
    new AccessDeniedError(`You may not ${action} ${subject === 'all' ? 'this' : `a ${subject}`}.`),
  notOwner: (action: string, subject: string) =>
    new AccessDeniedError(`You may ${action} only your own ${subject}.`),
  roleCycle: (path: string[]) =>
    new LatticeError(
      'LATTICE_SECURITY_ROLE_CYCLE',
      `Roles include each other in a circle: ${path.join(' → ')}.`,
      'Remove one of these entries from authorization.roles.',
    ),
  roleUnknown: (role: string, by: string, known: string[]) => {
    const close = closestName(role, known);
    return new LatticeError(
      'LATTICE_SECURITY_ROLE_UNKNOWN',
      `Role "${by}" includes "${role}", which is not a role. Roles: ${known.join(', ')}.` +
        (close ? ` Did you mean "${close}"?` : ''),
      'Add the role to authorization.roles or fix the name.',
    );
  },
  permissionInvalid: (role: string, rule: unknown) =>
    new LatticeError(
      'LATTICE_SECURITY_PERMISSION_INVALID',
      `Role "${role}" has the permission ${JSON.stringify(rule)}, which is not "action:subject" or "action:subject:own".`,
      "Write permissions as 'update:question', 'update:question:own' or 'manage:all'.",
    ),
  ownersMissing: (subject: string, known: string[]) => {
    const close = closestName(subject, known);
    return new LatticeError(
      'LATTICE_SECURITY_OWNERS_MISSING',
      `A rule lets users act on their own "${subject}", but no provider says who owns one. Registered: ${known.length ? known.join(', ') : '(none)'}.` +
        (close ? ` Did you mean "${close}"?` : ''),
      `Add a provider decorated with @ResourceOwners('${subject}') that has ownerOf(id), and give @Can an id: @Can('update', '${subject}', { id: 'id' }).`,
    );
  },
  ownerIdMissing: (action: string, subject: string, handler: string) =>
    new LatticeError(
      'LATTICE_SECURITY_OWNER_ID_MISSING',
      `${handler} is guarded by @Can('${action}', '${subject}'), and some roles may do that only to their own ${subject}, but the decorator does not say where the ${subject}'s id is.`,
      `Write @Can('${action}', '${subject}', { id: 'id' }) (a route parameter or a field of the WebSocket payload), or a function of the context.`,
    ),
  duplicateOwners: (subject: string, first: string, second: string) =>
    new LatticeError(
      'LATTICE_SECURITY_DUPLICATE_OWNERS',
      `Two providers, ${first} and ${second}, say who owns a "${subject}".`,
      'Keep one @ResourceOwners provider per subject.',
    ),
  keysMissing: () =>
    new LatticeError(
      'LATTICE_SECURITY_KEYS_NOT_CONFIGURED',
      'Something was to be encrypted or signed, but no encryption keys are configured.',
      'Set ENCRYPTION_KEYS=k1:$(openssl rand -base64 32) (add securityConfigShape to the schema), or pass encryption.keys to SecurityModule.forRoot().',
    ),
  keyInvalid: (id: string, detail: string) =>
    new LatticeError(
      'LATTICE_SECURITY_KEY_INVALID',
      `Encryption key "${id}" is not usable: ${detail}.`,
      'Each key is an id of letters, digits, "_" or "-" and 32 random bytes in base64 (openssl rand -base64 32); ids are unique.',
    ),
  keyUnknown: (id: string, known: string[]) =>
    new LatticeError(
      'LATTICE_SECURITY_KEY_UNKNOWN',
      `The data was encrypted or signed with key "${id}", which is not in the keyring (${known.join(', ')}).`,
      'Keep retired keys in ENCRYPTION_KEYS (after the current one) until every value was re-encrypted.',
    ),
  decryptFailed: (context: string) =>
    new LatticeError(
      'LATTICE_SECURITY_DECRYPT_FAILED',
      `A value could not be decrypted${context ? ` for ${context}` : ''}: it was changed, moved from another column, or is not a Lattice ciphertext.`,
      'Restore the value from a backup; do not copy encrypted values between columns.',
    ),
  encryptionNotStarted: (column: string) =>
    new LatticeError(
      'LATTICE_SECURITY_ENCRYPTION_NOT_STARTED',
      `The encrypted column ${column} was read or written before SecurityModule started.`,
      'Import SecurityModule.forRoot() in the application module and use the repository after the app has initialised.',
    ),
  rateLimitRuleInvalid: (rule: unknown) =>
    new LatticeError(
      'LATTICE_SECURITY_RATE_LIMIT_INVALID',
      `The rate limit rule ${JSON.stringify(rule)} is not valid.`,
      "Give each rule a name, by: 'ip' or 'user', and whole numbers limit ≥ 1, ttlMs ≥ 1 (and blockMs ≥ 0): { name: 'ip', by: 'ip', limit: 120, ttlMs: 60_000 }.",
    ),
  rateLimitRuleDuplicate: (name: string) =>
    new LatticeError(
      'LATTICE_SECURITY_RATE_LIMIT_DUPLICATE',
      `Two rate limit rules are named "${name}".`,
      'Give each rule in rateLimit.rules its own name.',
    ),
  auditHeadInvalid: (value: string) =>
    new LatticeError(
      'LATTICE_SECURITY_AUDIT_HEAD_INVALID',
      `--head "${value}" is not a head as audit:verify prints it.`,
      'Pass it as <seq>:<hash>, e.g. --head 42:k1.3f9a…, copied from an earlier run.',
    ),
  userUnknown: (id: string) =>
    new LatticeError(
      'LATTICE_SECURITY_USER_UNKNOWN',
      `No user with id "${id.slice(0, 64)}" in the user store, so there are no sessions to end.`,
      'Check the id: it is the `id` of GET /auth/me, or of the row in your users table.',
    ),
  auditOff: () =>
    new LatticeError(
      'LATTICE_SECURITY_AUDIT_OFF',
      'The audit log is not available: SecurityModule was imported with audit: false, or not at all.',
      'Import SecurityModule.forRoot() (audit on by default) and DatabaseModule in the CLI module.',
    ),
  socketLimitsInvalid: (options: unknown) =>
    new LatticeError(
      'LATTICE_SECURITY_SOCKET_LIMITS_INVALID',
      `The socket limits ${JSON.stringify(options)} are not valid.`,
      'maxConnectionsPerUser is a whole number ≥ 0 (0: no limit); userRateLimit is { messages, perMs } with both above 0, or false; leaseMs is a whole number of milliseconds ≥ 300.',
    ),
  csrfCrossOrigin: (reason: 'sec-fetch-site' | 'origin', value: string) =>
    new CsrfRejectedError(
      reason === 'sec-fetch-site'
        ? `This request changes state but the browser says it comes from another site (Sec-Fetch-Site: ${value}). Send it from this site's own pages, or add the sending origin to csrf.allowedOrigins.`
        : `This request changes state but comes from the origin ${value}, which is not this site. Send it from this site's own pages, or add the origin to csrf.allowedOrigins.`,
    ),
  csrfTokenMissing: (header: string, field: string) =>
    new CsrfRejectedError(
      `This request changes state with the session cookie but sends no CSRF token. Send the token of <meta name="csrf-token"> in the ${header} header, or in a ${field} form field.`,
    ),
  csrfTokenInvalid: () =>
    new CsrfRejectedError(
      'The CSRF token does not belong to this session (it is from another session or login, or was changed). Reload the page to get the current token.',
    ),
  csrfSecretTooShort: (bytes: number) =>
    new LatticeError(
      'LATTICE_SECURITY_CSRF_SECRET_TOO_SHORT',
      `csrf.secret is ${bytes} bytes long; a short HMAC secret lets tokens be forged.`,
      'Use at least 32 random bytes (openssl rand -base64 48), or leave csrf.secret out to derive one from the JWT key.',
    ),
  csrfOriginInvalid: (origin: string) =>
    new LatticeError(
      'LATTICE_SECURITY_CSRF_ORIGIN_INVALID',
      `csrf.allowedOrigins has "${origin}", which is not an origin.`,
      "Write origins as scheme, host and optional port, without a path: 'https://admin.example.com'.",
    ),
} as const;
