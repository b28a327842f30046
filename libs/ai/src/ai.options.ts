import { z } from 'zod';
import type {
  AiBudgetLimit,
  AiCapability,
  AIModel,
  AiModuleOptions,
  AiProvider,
  AiProviderOptions,
} from './ai.interfaces';

const capability = z.enum([
  'chat',
  'embed',
  'classify',
  'moderate',
  'summarize',
  'sentiment',
  'keywords',
  'language',
]) satisfies z.ZodType<AiCapability>;

const name = z.string().regex(/^[A-Za-z0-9_.-]+$/, 'expected letters, digits, "_", "." or "-"');
const ms = z.number().int().min(1);
const attempts = z.number().int().min(1).max(10);
const price = z.number().min(0);

const providerSchema = z.discriminatedUnion('type', [
  z.strictObject({
    name,
    type: z.literal('openai'),
    baseURL: z.url().optional(),
    apiKey: z.string().optional(),
    timeoutMs: ms.optional(),
    attempts: attempts.optional(),
    defaultModels: z.partialRecord(capability, z.string().min(1)).optional(),
  }),
  z.strictObject({ name, type: z.literal('offline') }),
  z.strictObject({
    name,
    type: z.literal('custom'),
    provider: z.custom<AiProvider>(
      (value) =>
        typeof value === 'object' &&
        value !== null &&
        typeof (value as AiProvider).name === 'string' &&
        Array.isArray((value as AiProvider).capabilities),
      'expected an AiProvider (an object with a name and capabilities)',
    ),
    timeoutMs: ms.optional(),
    attempts: attempts.optional(),
  }),
]) satisfies z.ZodType<AiProviderOptions>;

const modelSchema = z.strictObject({
  name: z.string().min(1),
  provider: name,
  providerModel: z.string().min(1).optional(),
  contextTokens: z.number().int().min(1).optional(),
  inputPricePerMillion: price.optional(),
  outputPricePerMillion: price.optional(),
  capabilities: z.array(capability).optional(),
}) satisfies z.ZodType<AIModel>;

const budgetSchema = z.strictObject({
  tokens: z.number().int().min(0).optional(),
  cost: price.optional(),
  period: z.enum(['minute', 'hour', 'day', 'month']),
}) satisfies z.ZodType<AiBudgetLimit>;

/** The check of `AiModule` options at boot (it matches `AiModuleOptions`). */
export const aiOptionsSchema = z
  .strictObject({
    providers: z.array(providerSchema).min(1).optional(),
    chain: z.array(name).min(1).optional(),
    models: z.array(modelSchema).optional(),
    cache: z
      .union([
        z.literal(false),
        z.strictObject({
          store: z.string().min(1).optional(),
          ttl: z.number().int().min(0).optional(),
          replayTiming: z.boolean().optional(),
        }),
      ])
      .optional(),
    budgets: z
      .strictObject({ perUser: budgetSchema.optional(), app: budgetSchema.optional() })
      .optional(),
    retry: z
      .strictObject({
        baseDelayMs: z.number().int().min(0).optional(),
        maxDelayMs: z.number().int().min(0).optional(),
      })
      .optional(),
  })
  .superRefine((options, context) => {
    const names = (options.providers ?? [{ name: 'offline' }]).map((provider) => provider.name);
    names.forEach((provider, index) => {
      if (names.indexOf(provider) !== index)
        context.addIssue({
          code: 'custom',
          path: ['providers', index, 'name'],
          message: `"${provider}" names two providers; names must be unique`,
        });
    });
    const known = `configured: ${[...new Set(names)].map((n) => `"${n}"`).join(', ')}`;
    options.chain?.forEach((provider, index) => {
      if (!names.includes(provider))
        context.addIssue({
          code: 'custom',
          path: ['chain', index],
          message: `"${provider}" is not a configured provider (${known})`,
        });
    });
    options.models?.forEach((model, index) => {
      if (!names.includes(model.provider))
        context.addIssue({
          code: 'custom',
          path: ['models', index, 'provider'],
          message: `"${model.provider}" is not a configured provider (${known})`,
        });
    });
  }) satisfies z.ZodType<AiModuleOptions>;
