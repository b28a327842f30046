import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { QuestionActivityService } from './question-activity.service';

/**
 * Repairs, in the background after the web app starts, votes and answers that older versions
 * left disagreeing with their question's stream (QuestionActivityService.reconcile). The command
 * line does not run it.
 */
@Injectable()
export class ReconcileOnStart implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('QuestionActivity');
  private running?: Promise<unknown>;

  constructor(private readonly activity: QuestionActivityService) {}

  onApplicationBootstrap(): void {
    // The start does not wait for it.
    this.running = this.activity
      .reconcile()
      .catch((error: unknown) =>
        this.logger.error(`Reconciliation of votes and answers failed: ${String(error)}`),
      );
  }

  async onApplicationShutdown(): Promise<void> {
    this.activity.stopReconciling();
    await this.running;
  }
}
