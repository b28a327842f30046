import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { z } from 'zod';
import { Apply, StateDefinition } from '../decorators';
import { StreamDefinition } from '../state-definition';
import type { PendingEvent, StateEvent } from '../state.interfaces';
import type { StateReducer } from '../state-reducer';
import { MemoryStateStore } from '../stores/memory-state.store';
import { RecoveryManager, stateChecksum } from './recovery-manager';

interface Todos {
  items: { id: number; text: string; done: boolean }[];
  renames: number;
}

@StateDefinition({ name: 'todos' })
class TodosState implements StateReducer<Todos> {
  initial(): Todos {
    return { items: [], renames: 0 };
  }

  @Apply('added', z.object({ id: z.number(), text: z.string() }))
  added(state: Todos, p: { id: number; text: string }): Todos {
    return { ...state, items: [...state.items, { id: p.id, text: p.text, done: false }] };
  }

  @Apply('toggled', z.object({ id: z.number() }))
  toggled(state: Todos, p: { id: number }): Todos {
    return {
      ...state,
      items: state.items.map((i) => (i.id === p.id ? { ...i, done: !i.done } : i)),
    };
  }

  @Apply('renamed', z.object({ id: z.number(), text: z.string() }))
  renamed(state: Todos, p: { id: number; text: string }): Todos {
    return {
      items: state.items.map((i) => (i.id === p.id ? { ...i, text: p.text } : i)),
      renames: state.renames + 1,
    };
  }

  @Apply('cleared')
  cleared(state: Todos): Todos {
    return { ...state, items: state.items.filter((i) => !i.done) };
  }
}

const definition = new StreamDefinition(TodosState, new TodosState(), { name: 'todos' });

const eventArb: fc.Arbitrary<{ type: string; payload: unknown }> = fc.oneof(
  fc.record({
    type: fc.constant('added'),
    payload: fc.record({ id: fc.nat(20), text: fc.string() }),
  }),
  fc.record({ type: fc.constant('toggled'), payload: fc.record({ id: fc.nat(20) }) }),
  fc.record({
    type: fc.constant('renamed'),
    payload: fc.record({ id: fc.nat(20), text: fc.string() }),
  }),
  fc.record({ type: fc.constant('cleared'), payload: fc.constant(null) }),
);

const pending = ({ type, payload }: { type: string; payload: unknown }): PendingEvent => ({
  id: randomUUID(),
  type,
  payload,
  metadata: { timestamp: new Date().toISOString(), schemaVersion: 1 },
});

/** Appends the events, snapshotting every `every` versions, and returns the full replay's states. */
async function build(events: { type: string; payload: unknown }[], every: number) {
  const store = new MemoryStateStore();
  const stream = 'todos:1';
  let state = definition.initial(stream);
  const states = [state];
  for (const [index, event] of events.entries()) {
    const [stored] = await store.append(stream, [pending(event)], index);
    state = definition.apply(state, stored as StateEvent);
    states.push(state);
    if (stored.version % every === 0) {
      const json = JSON.stringify(state);
      await store.saveSnapshot({
        streamId: stream,
        version: stored.version,
        state: JSON.parse(json) as unknown,
        schemaVersion: 1,
        checksum: stateChecksum(json),
        createdAt: new Date().toISOString(),
      });
    }
  }
  return { store, stream, states };
}

describe('RecoveryManager', () => {
  const recovery = new RecoveryManager(7);
  // Each corrupt snapshot logs a warning; a hundred of them would drown the test output.
  beforeAll(() => Logger.overrideLogger(false));

  it('recovers from a snapshot to exactly the state of a full replay (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 15 }),
        async (events, every) => {
          const { store, stream, states } = await build(events, every);
          const recovered = await recovery.recover(definition, store, stream);
          expect(recovered.version).toBe(events.length);
          expect(recovered.state).toEqual(states[events.length]);
          expect(recovered.snapshotVersion).toBe(events.length - (events.length % every));
          // Time travel: any version through the nearest snapshot before it.
          const at = Math.floor(events.length / 2);
          expect((await recovery.recover(definition, store, stream, at)).state).toEqual(states[at]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('falls back to a full replay when the latest snapshot is corrupt (generated)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { minLength: 5, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('state', 'checksum', 'schemaVersion'),
        async (events, every, damage) => {
          const { store, stream, states } = await build(events, every);
          const latest = (await store.loadSnapshot(stream))!;
          await store.saveSnapshot({
            ...latest,
            ...(damage === 'state' && { state: { items: [], renames: -1 } }),
            ...(damage === 'checksum' && { checksum: 'x' }),
            ...(damage === 'schemaVersion' && { schemaVersion: 99 }),
          });
          const recovered = await recovery.recover(definition, store, stream);
          expect(recovered.snapshotVersion).toBe(0);
          expect(recovered.state).toEqual(states[events.length]);
        },
      ),
      { numRuns: 100 },
    );
  });
});
