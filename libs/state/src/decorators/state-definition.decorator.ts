import { Injectable, SetMetadata, applyDecorators } from '@nestjs/common';
import { STATE_DEFINITION_METADATA } from '../state.constants';
import type { StateDefinitionOptions } from '../state.interfaces';

/**
 * Declares a kind of state stream: its name (streams are `<name>` or `<name>:<id>`), how it
 * checkpoints and how it resolves conflicts. The class gives the initial state and one
 * pure reducer per event type (`@Apply`); list it in a module's `providers`.
 *
 * @example
 * @StateDefinition({ name: 'counter', conflicts: 'retry' })
 * export class CounterState implements StateReducer<{ count: number }> {
 *   initial() { return { count: 0 }; }
 *   @Apply('added', z.object({ by: z.number().int() }))
 *   added(state: { count: number }, payload: { by: number }) { return { count: state.count + payload.by }; }
 * }
 */
export function StateDefinition(options: StateDefinitionOptions): ClassDecorator {
  return applyDecorators(Injectable(), SetMetadata(STATE_DEFINITION_METADATA, options));
}

/** The `@StateDefinition()` options of a class, or undefined when it has none. */
export function getStateDefinitionOptions(type: object): StateDefinitionOptions | undefined {
  return Reflect.getMetadata(STATE_DEFINITION_METADATA, type) as StateDefinitionOptions | undefined;
}
