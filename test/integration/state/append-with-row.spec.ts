import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LatticeModule } from '@lattice/core';
import { DatabaseModule, TransactionHost } from '@lattice/database';
import { Outbox, OUTBOX_TABLE, OutboxModule, OutboxRelay } from '@lattice/database/outbox';
import { Job, QueueJob, QueueManager, QueueModule } from '@lattice/queue';
import { QueueOutbox, QueueOutboxModule } from '@lattice/queue/outbox';
import {
  Apply,
  StateDefinition,
  StateManager,
  StateModule,
  type StateChange,
  type StateReducer,
} from '@lattice/state';
import { StateOutbox, StateOutboxModule } from '@lattice/state/outbox';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Column, DataSource, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { z } from 'zod';
import { describeWith } from '../../support/describe-with';
import { TEST_REDIS_URL } from '../../support/services';
import { createTestDatabase, uniqueRedisPrefix } from '../../support/test-resources';

/** The rows the events count. */
@Entity('tallied_rows')
class TalliedRow {
  @PrimaryGeneratedColumn()
  id: number;

  @Column()
  stream: string;
}

interface Tally {
  count: number;
}

/** Counts rows; in the SQL store, next to them. */
@StateDefinition({ name: 'tally', store: 'sql', conflicts: 'retry', snapshotEvery: 3 })
class SqlTallyState implements StateReducer<Tally> {
  initial(): Tally {
    return { count: 0 };
  }

  @Apply('counted', z.object({ rowId: z.number().int() }))
  counted(state: Tally): Tally {
    return { count: state.count + 1 };
  }
}

/** The same in the module's store (Redis): appended through the outbox. */
@StateDefinition({ name: 'rtally', conflicts: 'retry' })
class RedisTallyState extends SqlTallyState {}

@QueueJob({ queue: 'outboxed' })
class Outboxed extends Job<{ rowId: number }, void> {
  async handle(): Promise<void> {}
}

async function boot(env: Record<string, string>, relay = true) {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      DatabaseModule.forRoot({ entities: [TalliedRow], synchronize: true }),
      StateModule.forRoot({ store: 'redis', devtools: false }),
      QueueModule.forRoot({ worker: false }),
      // A long poll: rounds run when a commit wakes the relay or a test drains it.
      OutboxModule.forRoot({
        pollIntervalMs: 60_000,
        relay,
        leaseMs: 1000,
        retryDelayMs: 10,
        deliveryTimeoutMs: 300,
      }),
      StateOutboxModule,
      QueueOutboxModule,
    ],
    providers: [SqlTallyState, RedisTallyState, Outboxed],
  })
  class AppendWithRowModule {}
  return NestFactory.createApplicationContext(AppendWithRowModule, {
    logger: false,
    abortOnError: false,
  });
}

const waitFor = async (check: () => Promise<boolean>, what: string, timeoutMs = 10_000) => {
  for (const deadline = Date.now() + timeoutMs; !(await check());) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

function suite(label: string, databaseUrl: () => Promise<{ url: string; drop(): Promise<void> }>) {
  describe(label, () => {
    let env: Record<string, string>;
    let database: { url: string; drop(): Promise<void> };
    let app: INestApplicationContext;
    let state: StateManager;
    let transactions: TransactionHost;
    let stateOutbox: StateOutbox;
    let relay: OutboxRelay;
    let dataSource: DataSource;

    const open = async (relayOn = true) => {
      app = await boot(env, relayOn);
      state = app.get(StateManager);
      transactions = app.get(TransactionHost);
      stateOutbox = app.get(StateOutbox);
      relay = app.get(OutboxRelay);
      dataSource = app.get(DataSource);
    };
    const rows = async (stream: string) =>
      Number(
        (
          (await dataSource.query('SELECT COUNT(*) AS n FROM tallied_rows WHERE stream = ?', [
            stream,
          ])) as { n: number | string }[]
        )[0].n,
      );
    /** Rows not yet delivered: of one topic, or of all. */
    const pendingOutbox = async (topic?: string) =>
      Number(
        (
          (await dataSource.query(
            `SELECT COUNT(*) AS n FROM ${OUTBOX_TABLE} WHERE done_at IS NULL${topic ? ' AND topic = ?' : ''}`,
            topic ? [topic] : [],
          )) as { n: number | string }[]
        )[0].n,
      );
    /** A row and the event that counts it, in one transaction; `fail` throws after both. */
    const countRow = (stream: string, fail = false) =>
      transactions.run(async (manager) => {
        const row = await manager.getRepository(TalliedRow).save({ stream });
        const result = await stateOutbox.dispatch(stream, {
          type: 'counted',
          payload: { rowId: row.id },
        });
        if (fail) throw new Error('after the row and the event');
        return result;
      });

    beforeAll(async () => {
      database = await databaseUrl();
      env = {
        DATABASE_URL: database.url,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('append-with-row'),
      };
      await open();
    });
    afterAll(async () => {
      await app?.close();
      await database?.drop();
    });

    it('commits a row and its event together in a SQL stream, and subscribers hear it after the commit', async () => {
      const stream = `tally:${randomUUID().slice(0, 8)}`;
      const heard: StateChange[] = [];
      const stop = await state.subscribe(stream, (change) => void heard.push(change));
      let heardInside = -1;
      const result = await transactions.run(async (manager) => {
        const row = await manager.getRepository(TalliedRow).save({ stream });
        const appended = await stateOutbox.dispatch<Tally>(stream, {
          type: 'counted',
          payload: { rowId: row.id },
        });
        // The plain form, for code that holds the manager itself.
        await state.dispatch(
          stream,
          { type: 'counted', payload: { rowId: row.id } },
          { transaction: manager },
        );
        heardInside = heard.length;
        return appended;
      });
      expect(result).toMatchObject({
        via: 'transaction',
        result: { version: 1, state: { count: 1 } },
      });
      expect(heardInside).toBe(0);
      expect(await rows(stream)).toBe(1);
      expect(await state.get(stream)).toEqual({ state: { count: 2 }, version: 2 });
      await waitFor(async () => heard.length === 2, 'the two changes');
      stop();
    });

    it('rolls back the row and the event when the work fails after both', async () => {
      const stream = `tally:${randomUUID().slice(0, 8)}`;
      await countRow(stream); // version 1, cached
      await expect(countRow(stream, true)).rejects.toThrow('after the row and the event');
      expect(await rows(stream)).toBe(1);
      expect(await state.get(stream)).toEqual({ state: { count: 1 }, version: 1 });
      state.forget(stream);
      expect(await state.get(stream)).toEqual({ state: { count: 1 }, version: 1 });
      // The stream goes on from there, snapshots included (snapshotEvery: 3).
      for (let i = 0; i < 4; i++) await countRow(stream);
      state.forget(stream);
      expect(await state.get(stream)).toEqual({ state: { count: 5 }, version: 5 });
    });

    it('writes a Redis stream through the outbox: nothing before the commit, nothing on rollback', async () => {
      const stream = `rtally:${randomUUID().slice(0, 8)}`;
      await expect(countRow(stream, true)).rejects.toThrow('after the row and the event');
      const result = await countRow(stream);
      expect(result).toMatchObject({ via: 'outbox', outboxId: expect.any(String) });
      await relay.drain();
      expect(await state.get(stream)).toMatchObject({ state: { count: 1 }, version: 1 });
      expect(await rows(stream)).toBe(1);
      const [event] = await state.history(stream);
      expect(event.id).toBe((result as { outboxId: string }).outboxId);
    });

    it('applies an outbox row once however often it is relayed', async () => {
      const stream = `rtally:${randomUUID().slice(0, 8)}`;
      const { outboxId } = (await countRow(stream)) as { outboxId: string };
      await relay.drain();
      // As if the node died after appending, before marking the row done: it is relayed again.
      await dataSource.query(
        `UPDATE ${OUTBOX_TABLE} SET done_at = NULL, available_at = 0 WHERE id = ?`,
        [outboxId],
      );
      expect(await pendingOutbox()).toBeGreaterThanOrEqual(1);
      await relay.drain();
      expect(await pendingOutbox()).toBe(0);
      expect(await state.history(stream)).toHaveLength(1);
      // The same straight through the state API.
      const [again] = await state.history(stream);
      const repeat = await state.appendPrepared(stream, [again]);
      expect(repeat).toMatchObject({ version: 1, events: [] });
      expect(await state.history(stream)).toHaveLength(1);
    });

    it('lets two relays on one database claim each row once (conditional UPDATE)', async () => {
      const stream = `rtally:${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 20; i++) await countRow(stream);
      const delivered: string[] = [];
      const options = { pollIntervalMs: 60_000, leaseMs: 30_000 };
      const relays = [
        new OutboxRelay(transactions, options),
        new OutboxRelay(transactions, options),
      ];
      await relay.drain(); // the app's own relay delivered what the commits woke it for…
      // …then the state rows are due again. Only those: the two relays handle no other topic,
      // and rows of other tests (jobs, flaky topics; --randomize puts them before) would stay.
      await dataSource.query(
        `UPDATE ${OUTBOX_TABLE} SET done_at = NULL, available_at = 0 WHERE topic = 'lattice.state'`,
      );
      for (const other of relays)
        other.handle<{ streamId: string }>('lattice.state', async ({ id }) => {
          delivered.push(id);
        });
      await Promise.all(relays.map((other) => other.drain()));
      expect(delivered.length).toBeGreaterThanOrEqual(20);
      expect(new Set(delivered).size).toBe(delivered.length); // no row twice
      // A row the app's relay claimed meanwhile (its poll) is marked done when it finishes.
      await waitFor(
        async () => (await pendingOutbox('lattice.state')) === 0,
        'no state row pending',
      );
      expect(await state.get(stream)).toMatchObject({ state: { count: 20 } });
    });

    it('relays rows a crash left pending when the next process starts', async () => {
      const stream = `rtally:${randomUUID().slice(0, 8)}`;
      await app.close();
      await open(false); // a node that writes but does not relay, then "dies"
      for (let i = 0; i < 3; i++) await countRow(stream);
      // One row claimed by a node that died holding it: its lease ran out.
      await dataSource.query(
        `UPDATE ${OUTBOX_TABLE} SET claimed_by = 'dead-node', attempts = 1 WHERE seq = (SELECT m FROM (SELECT MAX(seq) AS m FROM ${OUTBOX_TABLE}) x)`,
      );
      expect(await pendingOutbox('lattice.state')).toBe(3);
      expect((await state.get(stream)).version).toBe(0);
      await app.close();
      await open(true);
      await waitFor(async () => (await state.get(stream)).version === 3, 'the pending rows');
      expect(await state.get(stream)).toMatchObject({ state: { count: 3 } });
      await waitFor(async () => (await pendingOutbox()) === 0, 'the rows marked done');
    });

    it('retries a failed delivery with backoff until it goes through, and never drops it', async () => {
      const outbox = app.get(Outbox);
      const tries: number[] = [];
      const topic = `flaky-${randomUUID().slice(0, 8)}`;
      relay.handle<{ n: number }>(topic, async ({ attempt }) => {
        tries.push(attempt);
        if (attempt < 3) throw new Error('the queue is down');
      });
      const id = await transactions.run(() => outbox.add(topic, { n: 1 }));
      await waitFor(async () => tries.length === 3, 'three tries');
      expect(tries).toEqual([1, 2, 3]);
      const [row] = (await dataSource.query(
        `SELECT attempts, done_at, last_error FROM ${OUTBOX_TABLE} WHERE id = ?`,
        [id],
      )) as { attempts: number; done_at: unknown; last_error: string | null }[];
      expect(Number(row.attempts)).toBe(3);
      expect(row.done_at).not.toBeNull();
      expect(row.last_error).toBeNull();
    });

    it('gives up on a delivery that hangs (an unreachable queue) and tries it again', async () => {
      const outbox = app.get(Outbox);
      const tries: number[] = [];
      const topic = `hangs-${randomUUID().slice(0, 8)}`;
      relay.handle(topic, ({ attempt }) => {
        tries.push(attempt);
        return attempt === 1 ? new Promise<void>(() => undefined) : Promise.resolve();
      });
      await transactions.run(() => outbox.add(topic, null));
      await waitFor(async () => tries.length === 2, 'the second try');
      await waitFor(async () => (await pendingOutbox()) === 0, 'the row marked done');
      expect(tries).toEqual([1, 2]);
    });

    it('queues a job from the outbox with the row id as its job id, once', async () => {
      const queues = app.get(QueueManager);
      const jobs = app.get(QueueOutbox);
      await expect(
        transactions.run(async () => {
          await jobs.dispatch(Outboxed, { rowId: 1 });
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      const id = await transactions.run(() => jobs.dispatch(Outboxed, { rowId: 2 }));
      await relay.drain();
      await dataSource.query(
        `UPDATE ${OUTBOX_TABLE} SET done_at = NULL, available_at = 0 WHERE id = ?`,
        [id],
      );
      await relay.drain();
      const queued = await queues.jobs('outboxed', ['waiting', 'delayed', 'active', 'completed']);
      expect(queued.map((job) => [job.id, job.data])).toEqual([[id, { rowId: 2 }]]);
    });
  });
}

describeWith(['redis'], 'append with the row on SQLite (+ Redis)', () => {
  const file = join(tmpdir(), `lattice-append-${randomUUID()}.sqlite`);
  suite('SQLite', async () => ({
    url: `sqlite:${file}`,
    drop: async () => rmSync(file, { force: true }),
  }));
});

describeWith(['redis', 'mysql'], 'append with the row on MariaDB (+ Redis)', () => {
  suite('MariaDB', createTestDatabase);
});
