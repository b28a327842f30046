import { z } from 'zod';
import { SUPPORTED_ALGORITHMS } from './security.constants';
import type { CsrfOptions } from './csrf/csrf.interfaces';
import type { SecurityHeadersOptions } from './headers/security-headers.interfaces';
import type { SecurityModuleOptions } from './security.interfaces';

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
