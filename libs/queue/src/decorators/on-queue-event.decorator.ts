import { SetMetadata, type Type } from '@nestjs/common';
import { QUEUE_EVENT_METADATA } from '../queue.constants';
import type { QueueEventName } from '../queue.interfaces';
import type { Job } from '../job';

export interface QueueEventFilter {
  /** Only events of this queue. */
  queue?: string;
  /** Only events of this job class. */
  job?: Type<Job<unknown, unknown>>;
}

export interface QueueEventBinding extends QueueEventFilter {
  event: QueueEventName;
}

/**
 * Calls the method for worker events of this process: `active`, `completed`, `failed`
 * (with `willRetry`), `progress`, `stalled`.
 *
 * @example
 * @OnQueueEvent('failed', { job: SendWelcomeMail })
 * alert(event: QueueEvents['failed']) { … }
 */
export function OnQueueEvent(
  event: QueueEventName,
  filter: QueueEventFilter = {},
): MethodDecorator {
  return (target, key, descriptor) => {
    const existing: QueueEventBinding[] =
      Reflect.getMetadata(QUEUE_EVENT_METADATA, descriptor.value as object) ?? [];
    SetMetadata(QUEUE_EVENT_METADATA, [...existing, { event, ...filter }])(target, key, descriptor);
  };
}
