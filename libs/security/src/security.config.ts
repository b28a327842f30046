import { z } from 'zod';

/**
 * The variables the security library reads. Add them to the app's schema:
 * `LatticeModule.forRoot({ schema: { ...securityConfigShape, ...appShape } })`.
 */
export const securityConfigShape = {
  JWT_SECRET: z
    .string()
    .min(32, { error: 'shorter than 32 characters' })
    .optional()
    .describe('at least 32 random characters, e.g. JWT_SECRET=$(openssl rand -base64 48)'),
  ENCRYPTION_KEYS: z
    .string()
    .regex(
      /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/_-]{43}=?)*$/,
      {
        error: 'not a list of id:key pairs with 32-byte base64 keys',
      },
    )
    .optional()
    .describe(
      'id:base64key pairs, newest first, each key 32 random bytes, e.g. ENCRYPTION_KEYS=k2:$(openssl rand -base64 32),k1:<old key>',
    ),
};
