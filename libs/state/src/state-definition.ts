import type { Type } from '@nestjs/common';
import {
  getApplyBindings,
  getUpcastBindings,
  type ApplyBinding,
} from './decorators/apply.decorator';
import { MERGED_EVENT } from './state.constants';
import type { EventInput, StateDefinitionOptions, StateEvent } from './state.interfaces';
import { StateMessages } from './state.messages';
import type { StateReducer } from './state-reducer';

type Reducer = (state: unknown, payload: unknown, event: StateEvent) => unknown;
type Upcaster = (payload: unknown, event: StateEvent) => unknown;

/** The payload of the event a merge appends: the merged state, and what was merged. */
export interface MergedPayload {
  state: unknown;
  baseVersion: number;
  events: EventInput[];
}

export type ResolvedDefinitionOptions = Required<Omit<StateDefinitionOptions, 'store'>> &
  Pick<StateDefinitionOptions, 'store'>;

/** A `@StateDefinition` class, read once at bootstrap: its reducers, upcasters and options. */
export class StreamDefinition<S = unknown> {
  readonly name: string;
  readonly options: ResolvedDefinitionOptions;
  private readonly reducers = new Map<string, ApplyBinding & { run: Reducer }>();
  private readonly upcasters = new Map<string, Upcaster>();

  constructor(
    readonly type: Type,
    private readonly instance: StateReducer<S> & object,
    options: StateDefinitionOptions,
  ) {
    this.name = options.name;
    this.options = {
      snapshotEvery: 100,
      snapshotIntervalMs: 0,
      snapshotVersion: 1,
      conflicts: 'reject',
      retries: 10,
      eager: [],
      ...options,
    };
    if (typeof instance.initial !== 'function') throw StateMessages.initialMissing(type.name);
    if (this.options.conflicts === 'merge' && typeof instance.merge !== 'function')
      throw StateMessages.mergeMissing(type.name);
    const methods = instance as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const binding of getApplyBindings(type)) {
      const method = methods[binding.method];
      this.reducers.set(binding.type, { ...binding, run: method.bind(instance) as Reducer });
    }
    for (const binding of getUpcastBindings(type)) {
      const method = methods[binding.method];
      this.upcasters.set(`${binding.type}@${binding.from}`, method.bind(instance) as Upcaster);
    }
  }

  get eventTypes(): string[] {
    return [...this.reducers.keys()];
  }

  initial(streamId: string): S {
    return this.instance.initial(streamId);
  }

  merge(base: S, mine: S, theirs: S): S {
    if (this.options.conflicts === 'last-writer-wins') return lastWriterWins(base, mine, theirs);
    return this.instance.merge!(base, mine, theirs);
  }

  /** Checks an event before it is appended; returns its payload as the schema parsed it. */
  validate(streamId: string, input: EventInput): { payload: unknown; schemaVersion: number } {
    const reducer =
      input && typeof input.type === 'string' ? this.reducers.get(input.type) : undefined;
    if (!reducer) throw StateMessages.eventTypeUnknown(streamId, input?.type, this.eventTypes);
    let payload: unknown = input.payload ?? null;
    if (reducer.schema) {
      const result = reducer.schema.safeParse(payload);
      if (!result.success) {
        throw StateMessages.payloadInvalid(
          streamId,
          input.type,
          result.error.issues.map(
            (issue) => `${issue.path.length ? issue.path.join('.') : 'payload'}: ${issue.message}`,
          ),
        );
      }
      payload = result.data ?? null;
    }
    try {
      // The log stores JSON: refuse what would not come back the same (functions, cycles, BigInt).
      payload = JSON.parse(JSON.stringify(payload)) as unknown;
    } catch (cause) {
      throw StateMessages.payloadNotJson(streamId, input.type, cause);
    }
    return { payload, schemaVersion: reducer.schemaVersion };
  }

  /** The state after one stored event: upcasts old payloads, then runs the reducer. */
  apply(state: S, event: StateEvent): S {
    if (event.type === MERGED_EVENT) return (event.payload as MergedPayload).state as S;
    const reducer = this.reducers.get(event.type);
    if (!reducer) throw StateMessages.eventTypeUnknown(event.streamId, event.type, this.eventTypes);
    let payload = event.payload;
    for (let from = event.metadata.schemaVersion ?? 1; from < reducer.schemaVersion; from++) {
      const upcast = this.upcasters.get(`${event.type}@${from}`);
      if (!upcast)
        throw StateMessages.upcasterMissing(
          event.streamId,
          event.type,
          from,
          reducer.schemaVersion,
        );
      payload = upcast(payload, event);
    }
    return reducer.run(state, payload, event) as S;
  }
}

/** Per top-level field: every field my dispatch changed wins over theirs; the rest stays theirs. */
function lastWriterWins<S>(base: S, mine: S, theirs: S): S {
  if (!isRecord(base) || !isRecord(mine) || !isRecord(theirs)) return mine;
  const merged: Record<string, unknown> = { ...theirs };
  for (const key of new Set([...Object.keys(base), ...Object.keys(mine)])) {
    if (JSON.stringify(mine[key]) === JSON.stringify(base[key])) continue;
    if (key in mine) merged[key] = mine[key];
    else delete merged[key];
  }
  return merged as S;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
