import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateManager, StateStores, type StateChange, type StoreKind } from '@lattice/state';
import { INestApplicationContext } from '@nestjs/common';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import {
  createTestDatabase,
  uniqueRedisPrefix,
  type TestDatabase,
} from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import type { Counter, Ledger } from './fixtures/definitions';
import { bootState } from './fixtures/state-app';

const NODE = 'test/integration/state/fixtures/state-node.ts';
const PER_NODE = 1000;

interface Done {
  done: true;
  ok: number;
  conflicts?: number;
  failed?: string[];
  other?: string[];
}

function lines(node: TsProcess): Record<string, unknown>[] {
  return node.output.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function result(node: TsProcess): Promise<Done> {
  await node.waitFor(/"done":true/, 90_000);
  return lines(node).find((line) => line.done) as unknown as Done;
}

/** Two OS processes on one shared store: Redis, or SQL on MariaDB. */
function processes(store: StoreKind, label: string, setup: () => Promise<Record<string, string>>) {
  describe(label, () => {
    // 2,000 commands from two processes on InnoDB take 20-60 s when other suites share the
    // cores; `result()` waits up to 90 s, so the test may too.
    jest.setTimeout(PROCESS_TEST_MS);
    let env: Record<string, string>;
    let app: INestApplicationContext;
    let state: StateManager;
    const nodes: TsProcess[] = [];
    const goFile = join(tmpdir(), `lattice-state-go-${randomUUID()}`);

    beforeAll(async () => {
      env = { ...(await setup()), STORE: store, GO_FILE: goFile, LOG_LEVEL: 'error' };
      app = await bootState(store, env);
      state = app.get(StateManager);
    });
    afterEach(async () => {
      rmSync(goFile, { force: true });
      await Promise.all(nodes.splice(0).map((node) => node.stop('SIGKILL')));
    });
    afterAll(() => app?.close());

    async function start(mode: string, stream: string, count = 2): Promise<TsProcess[]> {
      const started = Array.from({ length: count }, () => null).map(
        () => new TsProcess(NODE, { ...env, MODE: mode, STREAM: stream, COUNT: String(PER_NODE) }),
      );
      nodes.push(...started);
      await Promise.all(started.map((node) => node.waitFor(/"ready":true/, PROCESS_START_MS)));
      writeFileSync(goFile, 'go');
      return started;
    }

    it('loses no update: 2 × 1,000 concurrent commands under "retry" end at version 2,000', async () => {
      const stream = `counter:race-${randomUUID()}`;
      const results = await Promise.all((await start('retry', stream)).map(result));
      expect(results.flatMap((r) => r.failed)).toEqual([]);
      expect(results.map((r) => r.ok)).toEqual([PER_NODE, PER_NODE]);
      const history = await state.history(stream);
      expect(history.map((e) => e.version)).toEqual(
        Array.from({ length: 2 * PER_NODE }, (_, i) => i + 1),
      );
      expect(await state.get<Counter>(stream)).toMatchObject({
        version: 2000,
        state: { count: 2000 },
      });
    });

    it('under "reject", every loser gets StateConflictError and changes nothing', async () => {
      const stream = `ledger:race-${randomUUID()}`;
      const results = await Promise.all((await start('reject', stream)).map(result));
      expect(results.flatMap((r) => r.other)).toEqual([]);
      const ok = results.reduce((sum, r) => sum + r.ok, 0);
      const conflicts = results.reduce((sum, r) => sum + (r.conflicts ?? 0), 0);
      expect(ok + conflicts).toBe(2 * PER_NODE);
      expect(conflicts).toBeGreaterThan(0);
      const { state: ledger, version } = await state.get<Ledger>(stream);
      expect(version).toBe(ok);
      expect(ledger.balance).toBe(ok);
      const history = await state.history(stream);
      expect(history.map((e) => e.version)).toEqual(Array.from({ length: ok }, (_, i) => i + 1));
    });

    it('after kill -9 during writes, the state equals a full replay and no acknowledged event is missing', async () => {
      const stream = `counter:crash-${randomUUID()}`;
      const [writer] = await start('crash', stream, 1);
      await writer.waitFor(/"acked":150,/, 30_000);
      await writer.stop('SIGKILL');
      const acked = lines(writer)
        .filter((line) => typeof line.acked === 'number')
        .map((line) => line.acked as number);
      expect(acked.length).toBeGreaterThanOrEqual(150);

      // A fresh node recovers from the store (snapshot + later events).
      const restarted = await bootState(store, env);
      try {
        const recovered = await restarted.get(StateManager).recover(stream);
        const replay = await restarted
          .get(StateManager)
          .stateAt<Counter>(stream, recovered.version);
        expect(recovered.snapshotVersion).toBeGreaterThan(0);
        expect(recovered.state).toEqual(replay.state);
        const log = (recovered.state as Counter).log;
        expect(log.slice(0, acked.length)).toEqual(acked);
        expect(log).toEqual(Array.from({ length: log.length }, (_, i) => i + 1));
        expect(recovered.version).toBe(log.length);
      } finally {
        await restarted.close();
      }
    });

    it('tells a subscriber on another node every change, in order, and keeps its reads current', async () => {
      const other = await bootState(store, env);
      try {
        const remote = other.get(StateManager);
        const stream = `counter:spread-${randomUUID()}`;
        const seen: StateChange<Counter>[] = [];
        await remote.subscribe<Counter>(stream, (change) => {
          seen.push(change);
        });
        await Promise.all(
          [1, 2, 3, 4, 5].map((by) => state.dispatch(stream, { type: 'added', payload: { by } })),
        );
        await waitFor(() => seen.length >= 5, { what: 'five changes on the other node' });
        expect(seen.map((c) => c.version)).toEqual([1, 2, 3, 4, 5]);
        expect(seen.at(-1)!.state.count).toBe(15);
        expect(await remote.get<Counter>(stream)).toMatchObject({
          version: 5,
          state: { count: 15 },
        });
        expect(other.get(StateStores).get().constructor.name).toBe('DistributedStateStore');
      } finally {
        await other.close();
      }
    });
  });
}

describeWith(['redis'], 'state across processes on Redis', () => {
  processes('redis', 'Redis store', async () => ({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix('state-processes'),
  }));
});

describeWith(['mysql', 'redis'], 'state across processes on MariaDB', () => {
  let database: TestDatabase;
  afterAll(() => database?.drop());
  processes('sql', 'SQL store on MariaDB, notified through Redis', async () => {
    database = await createTestDatabase();
    return {
      DATABASE_URL: database.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('state-processes-sql'),
    };
  });
});
