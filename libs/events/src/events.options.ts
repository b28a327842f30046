import { z } from 'zod';
import { ChannelHistory } from './broadcast/channel-history';
import type { ChannelOptions, EventsModuleOptions } from './events.interfaces';

const positiveInt = z.int().min(1);

const channelOptionsSchema = z.strictObject({
  public: z.array(z.string().min(1)).optional(),
  history: z
    .union([
      z.enum(['memory', 'redis']),
      z.custom<ChannelHistory>((value) => value instanceof ChannelHistory, {
        error: 'must be "memory", "redis" or a ChannelHistory instance',
      }),
    ])
    .optional(),
  maxLength: positiveInt.optional(),
  maxAgeMs: positiveInt.optional(),
  replayCap: z.int().min(0).optional(),
  replayRate: z.number().positive().optional(),
  replayBatch: positiveInt.optional(),
  maxPayloadBytes: positiveInt.optional(),
}) satisfies z.ZodType<ChannelOptions>;

/** What `EventsModule` accepts, checked at boot by core's `checkModuleOptions`. */
export const eventsModuleOptionsSchema = z.strictObject({
  onListenerError: z
    .custom<NonNullable<EventsModuleOptions['onListenerError']>>(
      (value) => typeof value === 'function',
      { error: 'must be a function (failure) => void' },
    )
    .optional(),
  channels: channelOptionsSchema.optional(),
}) satisfies z.ZodType<EventsModuleOptions>;

// Every option of the interfaces has a place in the schema (a strict schema would refuse it).
const everyOptionChecked: [
  Record<
    Exclude<keyof EventsModuleOptions, keyof z.input<typeof eventsModuleOptionsSchema>>,
    never
  >,
  Record<Exclude<keyof ChannelOptions, keyof z.input<typeof channelOptionsSchema>>, never>,
] = [{}, {}];
void everyOptionChecked;
