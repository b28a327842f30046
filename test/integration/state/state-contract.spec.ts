import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InvalidStateInputError,
  StateConflictError,
  StateManager,
  StateStores,
  type StateChange,
  type StateStore,
  type StoreKind,
} from '@lattice/state';
import { INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../../support/test-resources';
import { waitFor } from '../../support/wait';
import type { Counter, Doc, Ledger, Profile } from './fixtures/definitions';
import { bootState } from './fixtures/state-app';

let streams = 0;
const id = (name: string) => `${name}:${++streams}-${randomUUID().slice(0, 6)}`;
const add = (by: number) => ({ type: 'added', payload: { by } });

async function refusal(work: Promise<unknown>): Promise<InvalidStateInputError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidStateInputError);
  return error as InvalidStateInputError;
}

/** One suite, every store: memory, Redis, SQL on SQLite and on MariaDB. */
function contract(store: StoreKind, label: string, setup: () => Promise<Record<string, string>>) {
  describe(label, () => {
    let app: INestApplicationContext;
    let state: StateManager;
    let raw: StateStore;

    beforeAll(async () => {
      app = await bootState(store, await setup());
      state = app.get(StateManager);
      raw = app.get(StateStores).get();
    });
    afterAll(() => app?.close());

    it(`stores streams in the ${store} store`, () => {
      expect(raw.kind).toBe(store);
    });

    it('appends contiguous versions from 1 with ids, positions and metadata', async () => {
      const stream = id('counter');
      expect(await state.get(stream)).toEqual({ state: { count: 0, log: [] }, version: 0 });
      const first = await state.dispatch<Counter>(stream, add(2), {
        actor: 'user:7',
        correlationId: 'req-1',
      });
      const second = await state.dispatch<Counter>(stream, [add(3), add(4)]);
      expect(second).toMatchObject({ version: 3, state: { count: 9, log: [2, 3, 4] }, retries: 0 });
      const events = await state.history(stream);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
      expect(events[0]).toMatchObject({
        streamId: stream,
        type: 'added',
        payload: { by: 2 },
        metadata: { actor: 'user:7', correlationId: 'req-1', schemaVersion: 2 },
      });
      expect(Date.parse(events[0].metadata.timestamp)).toBeGreaterThan(Date.now() - 60_000);
      expect(first.events[0].position).toBeLessThan(second.events[0].position);
      expect(second.events[0].position).toBeLessThan(second.events[1].position);
      expect(await state.get(stream)).toEqual({ state: { count: 9, log: [2, 3, 4] }, version: 3 });
      expect(await raw.version(stream)).toBe(3);
    });

    it('reads all streams in position order', async () => {
      const a = id('counter');
      const b = id('ledger');
      const before = (await raw.readAll(0, 100_000)).at(-1)?.position ?? 0;
      await state.dispatch(a, add(1));
      await state.dispatch(b, { type: 'deposited', payload: { amount: 5 } });
      await state.dispatch(a, add(1));
      const after = await raw.readAll(before, 100);
      expect(after.map((e) => `${e.streamId}@${e.version}`)).toEqual([
        `${a}@1`,
        `${b}@1`,
        `${a}@2`,
      ]);
      expect(after.map((e) => e.position)).toEqual(
        [...after.map((e) => e.position)].sort((x, y) => x - y),
      );
    });

    it('refuses bad input with a clear error and appends nothing', async () => {
      const stream = id('counter');
      await state.dispatch(stream, add(1));
      const cases: [Promise<unknown>, string, RegExp][] = [
        [
          state.dispatch(stream, { type: 'multiplied', payload: {} }),
          'LATTICE_STATE_EVENT_UNKNOWN',
          /no reducer for event type "multiplied". Known: added, reset/,
        ],
        [
          state.dispatch(stream, { type: 'added', payload: { by: 'two' } }),
          'LATTICE_STATE_PAYLOAD_INVALID',
          /by: .*expected number/,
        ],
        [
          state.dispatch(stream, [add(1), { type: 'added', payload: { by: 1.5 } }]),
          'LATTICE_STATE_PAYLOAD_INVALID',
          /by:/,
        ],
        [
          state.dispatch(stream, add(1), { expectedVersion: -1 }),
          'LATTICE_STATE_EXPECTED_VERSION_INVALID',
          /whole number ≥ 0/,
        ],
        [
          state.dispatch(stream, add(1), { expectedVersion: 5 }),
          'LATTICE_STATE_VERSION_SKIPPED',
          /ahead of its actual version 1/,
        ],
        [state.dispatch(stream, []), 'LATTICE_STATE_NO_EVENTS', /Nothing to dispatch/],
        [
          state.dispatch('countr:1', add(1)),
          'LATTICE_STATE_DEFINITION_UNKNOWN',
          /Did you mean "counter"\?/,
        ],
        [state.dispatch('no spaces', add(1)), 'LATTICE_STATE_STREAM_ID_INVALID', /is not valid/],
        [
          state.stateAt(stream, 9),
          'LATTICE_STATE_VERSION_NOT_REACHED',
          /at version 1; version 9 does not exist/,
        ],
      ];
      for (const [work, code, message] of cases) {
        const error = await refusal(work);
        expect(error.code).toBe(code);
        expect(error.message).toMatch(message);
        expect(error.getStatus()).toBe(400);
      }
      expect(await raw.version(stream)).toBe(1);
      expect((await state.get(stream)).version).toBe(1);
    });

    it('rejects a stale expected version with StateConflictError and changes nothing', async () => {
      const stream = id('ledger');
      await state.dispatch(stream, { type: 'deposited', payload: { amount: 100 } });
      await state.dispatch(stream, { type: 'withdrawn', payload: { amount: 30 } });
      const error = await state
        .dispatch(stream, { type: 'withdrawn', payload: { amount: 80 } }, { expectedVersion: 1 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StateConflictError);
      expect(error).toMatchObject({ streamId: stream, expectedVersion: 1, actualVersion: 2 });
      expect((error as StateConflictError).getStatus()).toBe(409);
      expect((error as Error).message).toContain(
        `Stream "${stream}" is at version 2, not the expected 1`,
      );
      expect(await state.get<Ledger>(stream)).toEqual({ state: { balance: 70 }, version: 2 });
      await expect(
        raw.append(
          stream,
          [
            {
              id: randomUUID(),
              type: 'deposited',
              payload: { amount: 1 },
              metadata: { timestamp: new Date().toISOString(), schemaVersion: 1 },
            },
          ],
          1,
        ),
      ).rejects.toMatchObject({ expectedVersion: 1, actualVersion: 2 });
      expect(await raw.version(stream)).toBe(2);
    });

    it('runs commands on the state they see; a stale one is rejected under "reject"', async () => {
      const stream = id('ledger');
      await state.dispatch(stream, { type: 'deposited', payload: { amount: 50 } });
      const withdraw = (amount: number) => (ledger: Ledger) => {
        if (ledger.balance < amount) throw new Error(`balance ${ledger.balance} < ${amount}`);
        return { type: 'withdrawn', payload: { amount } };
      };
      await expect(state.dispatch<Ledger>(stream, withdraw(40))).resolves.toMatchObject({
        state: { balance: 10 },
      });
      await expect(state.dispatch<Ledger>(stream, withdraw(40))).rejects.toThrow('balance 10 < 40');
      expect(await raw.version(stream)).toBe(2);
    });

    it('retries a stale dispatch on the latest state under "retry"', async () => {
      const stream = id('counter');
      await state.dispatch(stream, add(1));
      await state.dispatch(stream, add(1));
      const seen: number[] = [];
      const result = await state.dispatch<Counter>(
        stream,
        (counter) => {
          seen.push(counter.count);
          return add(counter.count * 10);
        },
        { expectedVersion: 1 },
      );
      expect(seen).toEqual([2]);
      expect(result).toMatchObject({ version: 3, state: { count: 22 } });
      const stale = await state.dispatch<Counter>(stream, add(5), { expectedVersion: 1 });
      expect(stale).toMatchObject({ version: 4, state: { count: 27 }, retries: 1 });
    });

    it('merges concurrent edits of different fields under "merge", and replays the merge', async () => {
      const stream = id('doc');
      await state.dispatch(stream, { type: 'titled', payload: { title: 'Draft' } });
      await state.dispatch(stream, { type: 'titled', payload: { title: 'Final' } });
      const result = await state.dispatch<Doc>(
        stream,
        { type: 'written', payload: { body: 'Text' } },
        { expectedVersion: 1 },
      );
      expect(result.state).toEqual({ title: 'Final', body: 'Text' });
      expect(result.events[0]).toMatchObject({
        type: '$merged',
        version: 3,
        payload: { baseVersion: 1, events: [{ type: 'written', payload: { body: 'Text' } }] },
      });
      state.forget(stream);
      expect(await state.get(stream)).toEqual({
        state: { title: 'Final', body: 'Text' },
        version: 3,
      });
    });

    it('keeps the fields a stale dispatch changed under "last-writer-wins"', async () => {
      const stream = id('profile');
      await state.dispatch(stream, { type: 'updated', payload: { name: 'Ada', city: 'Paris' } });
      await state.dispatch(stream, { type: 'updated', payload: { city: 'Rome' } });
      await state.dispatch(stream, { type: 'visited' });
      const result = await state.dispatch<Profile>(
        stream,
        { type: 'updated', payload: { name: 'Ada L.' } },
        { expectedVersion: 1 },
      );
      expect(result.state).toEqual({ name: 'Ada L.', city: 'Rome', visits: 1 });
    });

    it('takes snapshots every N events and recovers from the latest one', async () => {
      const stream = id('counter');
      for (let i = 1; i <= 12; i++) await state.dispatch(stream, add(i));
      await waitForSnapshot(raw, stream, 10);
      const recovered = await state.recover(stream);
      expect(recovered).toMatchObject({ version: 12, snapshotVersion: 10, replayed: 2 });
      expect(recovered.state).toEqual((await state.stateAt(stream, 12)).state);
      expect((recovered.state as Counter).log).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    });

    it('falls back to a full replay when the snapshot is corrupt', async () => {
      const stream = id('counter');
      for (let i = 1; i <= 6; i++) await state.dispatch(stream, add(i));
      await waitForSnapshot(raw, stream, 5);
      const good = await raw.loadSnapshot(stream);
      await raw.saveSnapshot({ ...good!, state: { count: 999, log: [] } });
      const recovered = await state.recover(stream);
      expect(recovered).toMatchObject({ version: 6, snapshotVersion: 0, replayed: 6 });
      expect((recovered.state as Counter).count).toBe(21);
    });

    it('upcasts events stored with an older payload schema', async () => {
      const stream = id('counter');
      await raw.append(
        stream,
        [
          {
            id: randomUUID(),
            type: 'added',
            payload: { amount: 4 },
            metadata: { timestamp: new Date().toISOString(), schemaVersion: 1 },
          },
        ],
        0,
      );
      await state.dispatch(stream, add(1));
      expect(await state.get<Counter>(stream)).toEqual({
        state: { count: 5, log: [4, 1] },
        version: 2,
      });
    });

    it('travels in time: state at any version, history by range', async () => {
      const stream = id('counter');
      for (const by of [5, 6, 7, 8]) await state.dispatch(stream, add(by));
      expect(await state.stateAt(stream, 0)).toEqual({ state: { count: 0, log: [] }, version: 0 });
      expect(await state.stateAt<Counter>(stream, 2)).toEqual({
        state: { count: 11, log: [5, 6] },
        version: 2,
      });
      const history = await state.history(stream, { from: 2, to: 3 });
      expect(history.map((e) => e.payload)).toEqual([{ by: 6 }, { by: 7 }]);
      expect(await state.history(stream, { from: 3, limit: 1 })).toHaveLength(1);
    });

    it('tells subscribers every change in version order, with the state after it', async () => {
      const stream = id('counter');
      const changes: StateChange<Counter>[] = [];
      const stop = await state.subscribe<Counter>('counter:*', (change) => {
        if (change.streamId === stream) changes.push(change);
      });
      await Promise.all([1, 2, 3, 4].map((by) => state.dispatch(stream, add(by))));
      await waitFor(() => changes.length === 4, { what: 'four changes' });
      stop();
      expect(changes.map((c) => c.version)).toEqual([1, 2, 3, 4]);
      expect(changes.map((c) => c.state.count)).toEqual([1, 3, 6, 10]);
      // A sentinel subscriber that stays: once it has heard version 5, the stopped one would have.
      const sentinel: number[] = [];
      const stopSentinel = await state.subscribe<Counter>('counter:*', (change) => {
        if (change.streamId === stream) sentinel.push(change.version);
      });
      await state.dispatch(stream, add(1));
      await waitFor(() => sentinel.includes(5), { what: 'the sentinel to hear version 5' });
      stopSentinel();
      expect(changes).toHaveLength(4);
    });
  });
}

async function waitForSnapshot(store: StateStore, streamId: string, version: number) {
  await waitFor(async () => (await store.loadSnapshot(streamId))?.version === version, {
    what: `a snapshot at ${version}`,
  });
}

describe('state store contract', () => {
  contract('memory', 'memory store', async () => ({}));

  const sqliteFile = join(tmpdir(), `lattice-state-${randomUUID()}.sqlite`);
  afterAll(() => rmSync(sqliteFile, { force: true }));
  contract('sql', 'SQL store on SQLite', async () => ({ DATABASE_URL: `sqlite:${sqliteFile}` }));
});

describeWith(['redis'], 'state store contract on Redis', () => {
  contract('redis', 'Redis store', async () => ({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix('state'),
  }));
});

describeWith(['mysql'], 'state store contract on MariaDB', () => {
  let database: TestDatabase;
  afterAll(() => database?.drop());
  contract('sql', 'SQL store on MariaDB', async () => {
    database = await createTestDatabase();
    return { DATABASE_URL: database.url };
  });
});
