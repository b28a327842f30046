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
};
