import { LatticeConfig, LatticeDrivers } from '@lattice/core';
import { z } from 'zod';
import type { CsrfOptions } from './csrf/csrf.interfaces';
import type { SecurityHeadersOptions } from './headers/security-headers.interfaces';
import { SecurityMessages } from './security.messages';
import { SUPPORTED_ALGORITHMS } from './security.constants';
import type { JwtAlgorithm, PermissionRule, SecurityModuleOptions } from './security.interfaces';
import {
  resolveRateLimit,
  resolveSocketLimits,
  type ResolvedRateLimit,
  type ResolvedSocketLimits,
} from './throttle/rate-limit.options';

/** The options with every default filled in and checked once, at boot. */
export interface ResolvedSecurityOptions {
  jwt: {
    algorithm: JwtAlgorithm;
    signingKey: string;
    verifyingKey: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    clockSkewSeconds: number;
  };
  cookies: {
    accessName: string;
    refreshName: string;
    secure: boolean;
    sameSite: 'Strict' | 'Lax';
    domain?: string;
  };
  refreshTtlSeconds: number;
  sessionLifetimeSeconds: number;
  loginThrottle: {
    maxAttemptsPerAccount: number;
    maxAttemptsPerIp: number;
    windowSeconds: number;
    store: 'memory' | 'redis';
  };
  passwords: { minLength: number; memoryCost: number; timeCost: number };
  defaultRoles: string[];
  encryption: { keys: Array<{ id: string; key: string }> };
  authorization: {
    roles: Record<string, string[]>;
    permissions: Record<string, PermissionRule[]>;
  };
  checkSessionOnEachRequest: boolean;
  routes: string | false;
  /** Undefined: no HTTP rate limits. */
  rateLimit: ResolvedRateLimit | undefined;
  sockets: ResolvedSocketLimits;
}

export function resolveSecurityOptions(
  /** The checked options, with the module's `routes` (an extra of forRoot/forRootAsync). */
  options: SecurityModuleOptions & { routes?: string | false },
  config: LatticeConfig,
  drivers: LatticeDrivers,
  /** `LatticeModule.forRoot({ app: { name } })`: the default audience. */
  appName?: string,
): ResolvedSecurityOptions {
  const jwt = options.jwt ?? {};
  const algorithm = jwt.algorithm ?? 'HS256';
  if (!(SUPPORTED_ALGORITHMS as readonly string[]).includes(algorithm))
    throw SecurityMessages.algorithmUnsupported(algorithm, SUPPORTED_ALGORITHMS);
  let signingKey: string;
  let verifyingKey: string;
  if (algorithm.startsWith('HS')) {
    const secret =
      jwt.secret ?? (config.values as Record<string, unknown>).JWT_SECRET?.toString() ?? undefined;
    if (!secret) throw SecurityMessages.secretMissing();
    if (Buffer.byteLength(secret) < 32)
      throw SecurityMessages.secretTooShort(Buffer.byteLength(secret));
    signingKey = verifyingKey = secret;
  } else {
    if (!jwt.privateKey || !jwt.publicKey) throw SecurityMessages.keyPairMissing(algorithm);
    signingKey = jwt.privateKey;
    verifyingKey = jwt.publicKey;
  }
  const clockSkewSeconds = jwt.clockSkewSeconds ?? 30;
  if (clockSkewSeconds < 0 || clockSkewSeconds > 300)
    throw SecurityMessages.clockSkewTooLarge(clockSkewSeconds);
  const throttle = options.loginThrottle ?? {};
  return {
    jwt: {
      algorithm,
      signingKey,
      verifyingKey,
      issuer: jwt.issuer ?? 'lattice',
      audience: jwt.audience ?? audienceOf(appName),
      accessTtlSeconds: jwt.accessTtlSeconds ?? 600,
      clockSkewSeconds,
    },
    cookies: resolveCookies(options.cookies),
    refreshTtlSeconds: options.refreshTtlSeconds ?? 14 * 24 * 3600,
    sessionLifetimeSeconds: options.sessionLifetimeSeconds ?? 30 * 24 * 3600,
    loginThrottle: {
      maxAttemptsPerAccount: throttle.maxAttemptsPerAccount ?? 5,
      maxAttemptsPerIp: throttle.maxAttemptsPerIp ?? 20,
      windowSeconds: throttle.windowSeconds ?? 900,
      store: throttle.store ?? (drivers.redis ? 'redis' : 'memory'),
    },
    passwords: {
      minLength: options.passwords?.minLength ?? 8,
      memoryCost: options.passwords?.memoryCost ?? 19456,
      timeCost: options.passwords?.timeCost ?? 2,
    },
    defaultRoles: options.defaultRoles ?? ['member'],
    encryption: {
      keys: options.encryption?.keys ?? parseKeyList(config.values as Record<string, unknown>),
    },
    authorization: {
      roles: options.authorization?.roles ?? {
        member: [],
        moderator: ['member'],
        admin: ['moderator'],
      },
      permissions: options.authorization?.permissions ?? { admin: ['manage:all'] },
    },
    checkSessionOnEachRequest: options.checkSessionOnEachRequest ?? false,
    routes: options.routes ?? 'auth',
    rateLimit: resolveRateLimit(options.rateLimit, drivers.redis !== undefined),
    sockets: resolveSocketLimits(options.sockets),
  };
}

/**
 * Cookie names carry the strictest prefix their attributes allow: `__Host-` (Secure, no Domain,
 * Path=/) for the access cookie, `__Secure-` for the refresh cookie (its Path is the auth
 * prefix). A browser refuses a prefixed cookie whose attributes do not match, so a name given
 * with a prefix is checked here rather than silently lost.
 */
function resolveCookies(
  cookies: SecurityModuleOptions['cookies'] = {},
): ResolvedSecurityOptions['cookies'] {
  const secure = cookies.secure ?? true;
  const { domain } = cookies;
  const prefix = (hostOnly: boolean) =>
    !secure ? '' : hostOnly && !domain ? '__Host-' : '__Secure-';
  const resolved = {
    accessName: cookies.accessName ?? `${prefix(true)}lattice_access`,
    refreshName: cookies.refreshName ?? `${prefix(false)}lattice_refresh`,
    secure,
    sameSite: cookies.sameSite ?? 'Lax',
    domain,
  } as const;
  if (/^__Host-/i.test(resolved.refreshName))
    throw SecurityMessages.cookiePrefixInvalid(
      resolved.refreshName,
      'it is sent with Path=/auth, not Path=/',
    );
  for (const name of [resolved.accessName, resolved.refreshName]) {
    if (/^__(Host|Secure)-/i.test(name) && !secure)
      throw SecurityMessages.cookiePrefixInvalid(name, 'cookies.secure is false');
    if (/^__Host-/i.test(name) && domain)
      throw SecurityMessages.cookiePrefixInvalid(name, `cookies.domain is "${domain}"`);
  }
  return resolved;
}

/**
 * The default `aud`: the app's name (`LatticeModule.forRoot({ app: { name } })`) as a slug, so
 * two apps sharing a JWT secret do not accept each other's tokens (ASVS 9.2.4); `lattice`
 * without one.
 */
export function audienceOf(appName: string | undefined): string {
  const slug = appName
    ?.normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return slug || 'lattice';
}

/** `ENCRYPTION_KEYS=k2:<base64>,k1:<base64>` → [{ id: 'k2', key }, { id: 'k1', key }]. */
function parseKeyList(values: Record<string, unknown>): Array<{ id: string; key: string }> {
  const raw = typeof values.ENCRYPTION_KEYS === 'string' ? values.ENCRYPTION_KEYS : '';
  return raw
    .split(',')
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf(':');
      return { id: pair.slice(0, at), key: pair.slice(at + 1) };
    });
}

const positiveInt = z.int().min(1);
const seconds = positiveInt;

const jwt = z.strictObject({
  algorithm: z.enum(SUPPORTED_ALGORITHMS).optional(),
  secret: z.string().optional(),
  privateKey: z.string().optional(),
  publicKey: z.string().optional(),
  issuer: z.string().min(1).optional(),
  audience: z.string().min(1).optional(),
  accessTtlSeconds: seconds.optional(),
  clockSkewSeconds: z.int().min(0).max(300).optional(),
});

const csrf = z.strictObject({
  cookieName: z.string().min(1).optional(),
  headerName: z.string().min(1).optional(),
  fieldName: z.string().min(1).optional(),
  allowedOrigins: z.array(z.string()).optional(),
  secret: z.string().optional(),
}) satisfies z.ZodType<CsrfOptions>;

/** helmet's option names (each value is checked by helmet itself). */
const helmetKeys = [
  'contentSecurityPolicy',
  'crossOriginEmbedderPolicy',
  'crossOriginOpenerPolicy',
  'crossOriginResourcePolicy',
  'originAgentCluster',
  'referrerPolicy',
  'strictTransportSecurity',
  'hsts',
  'xContentTypeOptions',
  'noSniff',
  'xDnsPrefetchControl',
  'dnsPrefetchControl',
  'xDownloadOptions',
  'ieNoOpen',
  'xFrameOptions',
  'frameguard',
  'xPermittedCrossDomainPolicies',
  'permittedCrossDomainPolicies',
  'xPoweredBy',
  'hidePoweredBy',
  'xXssProtection',
  'xssFilter',
] as const;
// Typed as helmet's options: the names are checked here, the values by helmet.
const headers = z.strictObject(
  Object.fromEntries(helmetKeys.map((key) => [key, z.unknown().optional()])) as Record<
    (typeof helmetKeys)[number],
    z.ZodOptional<z.ZodUnknown>
  >,
) as unknown as z.ZodType<SecurityHeadersOptions>;

const rateLimitRule = z.strictObject({
  name: z.string().min(1),
  by: z.enum(['ip', 'user']),
  limit: positiveInt,
  ttlMs: positiveInt,
  blockMs: z.int().min(0).optional(),
});

const permissionRule = z.union([
  z.string().min(1),
  z.strictObject({
    action: z.string().min(1),
    subject: z.string().min(1),
    own: z.boolean().optional(),
  }),
]);

/** What `SecurityModule` accepts (from forRoot or an options factory), checked at boot. */
export const securityModuleOptionsSchema = z.strictObject({
  csrf: z.union([z.literal(false), csrf]).optional(),
  headers: z.union([z.literal(false), headers]).optional(),
  rateLimit: z
    .union([
      z.literal(false),
      z.strictObject({
        rules: z.array(rateLimitRule).optional(),
        store: z.enum(['memory', 'redis']).optional(),
      }),
    ])
    .optional(),
  sockets: z
    .strictObject({
      maxConnectionsPerUser: z.int().min(0).optional(),
      userRateLimit: z
        .union([z.literal(false), z.strictObject({ messages: positiveInt, perMs: positiveInt })])
        .optional(),
      closeOnTokenExpiry: z.boolean().optional(),
      cluster: z.boolean().optional(),
      leaseMs: z.int().min(300).optional(),
    })
    .optional(),
  jwt: jwt.optional(),
  encryption: z
    .strictObject({
      keys: z.array(z.strictObject({ id: z.string().min(1), key: z.string().min(1) })).optional(),
    })
    .optional(),
  authorization: z
    .strictObject({
      roles: z.record(z.string(), z.array(z.string())).optional(),
      permissions: z.record(z.string(), z.array(permissionRule)).optional(),
    })
    .optional(),
  cookies: z
    .strictObject({
      accessName: z.string().min(1).optional(),
      refreshName: z.string().min(1).optional(),
      secure: z.boolean().optional(),
      sameSite: z.enum(['Strict', 'Lax']).optional(),
      domain: z.string().min(1).optional(),
    })
    .optional(),
  refreshTtlSeconds: seconds.optional(),
  sessionLifetimeSeconds: seconds.optional(),
  loginThrottle: z
    .strictObject({
      maxAttemptsPerAccount: positiveInt.optional(),
      maxAttemptsPerIp: positiveInt.optional(),
      windowSeconds: seconds.optional(),
      store: z.enum(['memory', 'redis']).optional(),
    })
    .optional(),
  passwords: z
    .strictObject({
      minLength: positiveInt.optional(),
      // argon2 needs 8 KiB per lane; OWASP asks 19456 (the default).
      memoryCost: z.int().min(8).optional(),
      timeCost: positiveInt.optional(),
    })
    .optional(),
  defaultRoles: z.array(z.string().min(1)).optional(),
  globalGuard: z.boolean().optional(),
  checkSessionOnEachRequest: z.boolean().optional(),
}) satisfies z.ZodType<SecurityModuleOptions>;

// Every option of the interface has a place in the schema (a strict schema would refuse it).
const everyOptionChecked: Record<
  Exclude<keyof SecurityModuleOptions, keyof z.input<typeof securityModuleOptionsSchema>>,
  never
> = {};
void everyOptionChecked;
