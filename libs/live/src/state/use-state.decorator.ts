import { SetMetadata } from '@nestjs/common';
import type { LiveContext } from '../component/component.service';
import { LIVE_PERSIST_STATE_METADATA, LIVE_USE_STATE_METADATA } from '../live.constants';

export interface UseStateOptions {
  /** The key of the component's state that holds the stream's state (default `stream`). */
  as?: string;
}

export interface UseStateBinding extends Required<UseStateOptions> {
  /** `question:{id}`: `{name}` is replaced by that prop. */
  stream: string;
}

/**
 * Binds a live component to a @lattice/state stream: at mount the stream's state is put in the
 * component's state under `as`, and every later change of the stream, made on any node,
 * replaces it and re-renders. Needs `LiveStateModule` and `StateModule` imported (the app stops
 * at boot without them). Keep the rest of the state when you update
 * it (`{ ...s, … }`): the binding travels with it.
 *
 * @example
 * @UseState('question:{id}', { as: 'activity' })
 * @Component({ name: 'question-stats' })
 * export class QuestionStats extends ComponentService<{ id: number }, { activity: Activity }> { … }
 */
export function UseState(stream: string, options: UseStateOptions = {}): ClassDecorator {
  return SetMetadata(LIVE_USE_STATE_METADATA, { stream, as: options.as ?? 'stream' });
}

export interface PersistStateOptions<P = never> {
  /**
   * Which saved state a mount resumes: instances with one key share it. Default: the props, so
   * one saved state per props (say, one per question). Use the visitor for per-user state:
   * `(props, context) => context.identity?.id`.
   */
  key?: (props: P, context: LiveContext) => string | number | null | undefined;
}

/**
 * Keeps a live component's state in a @lattice/state stream (`live:<hash>`), saved after every
 * event that changed it, so a reload, a reconnect or a restart resumes it instead of mounting
 * afresh. Needs `LiveStateModule` and `StateModule` imported; a memory store keeps it only while the process runs.
 */
export function PersistState<P = never>(options: PersistStateOptions<P> = {}): ClassDecorator {
  return SetMetadata(LIVE_PERSIST_STATE_METADATA, options);
}
