import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import type { z } from 'zod';

export const LIVE_COMPONENT_METADATA = 'lattice:live:component';
export const LIVE_EVENT_METADATA = 'lattice:live:events';

export interface ComponentOptions {
  /** The name pages and tokens refer to; unique in the app. */
  name: string;
  /**
   * Cache the server-side render of anonymous visitors' pages (needs CacheModule): keyed by
   * component and props, for `ttl` ms, under `tags(props)` for invalidation. The live session
   * still mounts afresh when it joins, so a stale first paint is corrected at once.
   */
  cache?: { ttl: number; tags?: (props: never) => string[] };
}

export interface EventBinding {
  event: string;
  method: string;
  schema?: z.ZodType;
}

/** Marks a live component (a `ComponentService` subclass); it also becomes injectable. */
export function Component(options: ComponentOptions): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(LIVE_COMPONENT_METADATA, options));
}

/**
 * Handles an event from the browser (`data-l-click="vote"`). The payload is validated against
 * `schema` before the method runs; an invalid payload is answered with an error frame and
 * changes nothing. Values from the page arrive as strings: use `z.coerce.number()` for numbers.
 */
export function On(event: string, schema?: z.ZodType): MethodDecorator {
  return (target, key) => {
    const bindings: EventBinding[] =
      Reflect.getMetadata(LIVE_EVENT_METADATA, target.constructor) ?? [];
    Reflect.defineMetadata(
      LIVE_EVENT_METADATA,
      [...bindings, { event, method: String(key), schema }],
      target.constructor,
    );
  };
}
