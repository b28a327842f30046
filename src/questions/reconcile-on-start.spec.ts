import { DistributedLock } from '@lattice/cluster';
import type { ResolvedClusterOptions } from '@lattice/cluster';
import type { RedisConnections } from '@lattice/core';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Answer } from './answer.entity';
import type { QuestionActivityService } from './question-activity.service';
import { Question } from './question.entity';
import { ReconcileOnStart } from './reconcile-on-start';
import { Tag } from './tag.entity';
import { User } from '../users/user.entity';
import { Vote } from './vote.entity';

/**
 * The web app started on a database whose migrations have not run (MySQL is migrated by a deploy
 * step): reconciliation is skipped with a warning naming the cause, never an ERROR.
 */
describe('ReconcileOnStart', () => {
  let dataSource: DataSource;
  const reconcile = jest.fn(async () => 0);
  // A stand-in for the service: only whether reconcile() runs matters here.
  const activity = { reconcile, stopReconciling: jest.fn() } as unknown as QuestionActivityService;
  let locks: DistributedLock;
  let log: jest.SpyInstance;
  let warn: jest.SpyInstance;
  let error: jest.SpyInstance;

  beforeEach(async () => {
    dataSource = await new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [Question, Vote, Answer, Tag, User],
    }).initialize();
    reconcile.mockClear();
    // The cluster lock without Redis: in-process, as on a single node.
    locks = new DistributedLock(
      { configured: false } as RedisConnections,
      { locks: { ttlMs: 10_000, acquireTimeoutMs: 5000 } } as ResolvedClusterOptions,
    );
    log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await dataSource.destroy();
  });

  async function start() {
    const onStart = new ReconcileOnStart(activity, dataSource, locks);
    onStart.onApplicationBootstrap();
    await onStart.onApplicationShutdown(); // waits for the background run
  }

  it('skips with a warning naming the missing tables and the fix when migrations have not run', async () => {
    await start();
    expect(reconcile).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /skipped: the database has no questions, votes, answers table yet .*lattice db:migrate/,
      ),
    );
  });

  it('reconciles once the tables are there', async () => {
    await dataSource.synchronize();
    await start();
    expect(reconcile).toHaveBeenCalledTimes(1);
    expect(warn).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('skips when another node holds the reconciliation lock', async () => {
    await dataSource.synchronize();
    const other = await locks.acquire('forum:reconcile');
    await start();
    await other.release();
    expect(reconcile).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/skipped: another node is running it/));
    expect(error).not.toHaveBeenCalled();
  });
});
