import { Injectable, SetMetadata, type Type, applyDecorators } from '@nestjs/common';
import { DEFAULT_QUEUE, QUEUE_JOB_METADATA } from '../queue.constants';
import type { QueueJobOptions } from '../queue.interfaces';
import { normalizeBackoff } from '../drivers/backoff';
import type { BackoffOptions } from '../queue.interfaces';

/** `@QueueJob()` options with defaults applied. */
export interface JobDefinition extends Omit<QueueJobOptions, 'backoff'> {
  name: string;
  queue: string;
  attempts: number;
  backoff?: BackoffOptions;
}

/**
 * Marks a `Job` subclass: which queue it runs on, how often it is tried and for how long.
 * The class also becomes injectable; list it in a module's `providers`.
 */
export function QueueJob(options: QueueJobOptions = {}): ClassDecorator {
  return (target) => {
    const definition: JobDefinition = {
      ...options,
      name: options.name ?? target.name,
      queue: options.queue ?? DEFAULT_QUEUE,
      attempts: options.attempts ?? 1,
      backoff: normalizeBackoff(options.backoff),
    };
    applyDecorators(Injectable(), SetMetadata(QUEUE_JOB_METADATA, definition))(target);
  };
}

/** The `@QueueJob()` definition of a class, or undefined when it has none. */
export function getJobDefinition(type: Type | object): JobDefinition | undefined {
  return Reflect.getMetadata(QUEUE_JOB_METADATA, type) as JobDefinition | undefined;
}
