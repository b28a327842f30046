import { DistributedLock, LockTimeoutError } from '@lattice/cluster';
import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Answer } from './answer.entity';
import { QuestionActivityService } from './question-activity.service';
import { Question } from './question.entity';
import { Vote } from './vote.entity';

/**
 * Repairs, in the background after the web app starts, votes and answers that older versions
 * left disagreeing with their question's stream (QuestionActivityService.reconcile). The command
 * line does not run it. On a database whose migrations have not run yet (MySQL is migrated by
 * `lattice db:migrate`, a deploy step) there is nothing to repair: it is skipped with a warning,
 * and the next start does it. With several nodes it runs on one at a time, under the cluster lock
 * `forum:reconcile`: a node that starts while another reconciles skips it, and one that loses the
 * lock midway (cut off from Redis past its lease) stops.
 */
@Injectable()
export class ReconcileOnStart implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('QuestionActivity');
  private running?: Promise<unknown>;

  constructor(
    private readonly activity: QuestionActivityService,
    private readonly dataSource: DataSource,
    private readonly locks: DistributedLock,
  ) {}

  onApplicationBootstrap(): void {
    // The start does not wait for it.
    this.running = this.reconcile().catch((error: unknown) =>
      this.logger.error(`Reconciliation of votes and answers failed: ${String(error)}`),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.activity.stopReconciling();
    await this.running;
  }

  private async reconcile(): Promise<void> {
    const missing = await this.missingTables();
    if (missing.length > 0) {
      this.logger.warn(
        `Reconciliation of votes and answers skipped: the database has no ${missing.join(', ')} table yet ` +
          '(its migrations have not run). Run `npx lattice db:migrate`; the next start reconciles.',
      );
      return;
    }
    try {
      await this.locks.using(
        'forum:reconcile',
        async (lock) => {
          lock.signal.addEventListener('abort', () => this.activity.stopReconciling());
          await this.activity.reconcile();
        },
        { acquireTimeoutMs: 0 },
      );
    } catch (error) {
      if (!(error instanceof LockTimeoutError)) throw error;
      this.logger.log('Reconciliation of votes and answers skipped: another node is running it.');
    }
  }

  /** The tables reconciliation reads that the database does not have. */
  private async missingTables(): Promise<string[]> {
    const names = [Question, Vote, Answer].map(
      (entity) => this.dataSource.getMetadata(entity).tablePath,
    );
    const runner = this.dataSource.createQueryRunner();
    try {
      const present = await Promise.all(names.map((name) => runner.hasTable(name)));
      return names.filter((_, i) => !present[i]);
    } finally {
      await runner.release();
    }
  }
}
