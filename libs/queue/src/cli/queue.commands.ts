import { LatticeError } from '@lattice/core';
import { CliUsageError, Command, CommandRunner, Option } from '@lattice/core/cli';
import { Injectable, Module } from '@nestjs/common';
import Table from 'cli-table3';
import { QueueManager } from '../queue-manager';
import { QueueMessages } from '../queue.messages';

const out = (line = '') => process.stdout.write(`${line}\n`);
/** A command line its options cannot express: exit code 2. */
const usage = (message: string, hint: string) =>
  new CliUsageError('LATTICE_QUEUE_CLI_USAGE', message, hint);

function table(head: string[]): Table.Table {
  // Colours only on a terminal, so piped output and logs stay plain.
  const plain = !process.stdout.isTTY;
  return new Table({ head, style: plain ? { head: [], border: [] } : { head: ['cyan'] } });
}

function requireShared(queues: QueueManager, command: string): void {
  if (queues.driverKind === 'memory') throw QueueMessages.needsSharedDriver(command);
}

function queueList(value: string): string[] {
  return value
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean);
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`--${name} must be a whole number ≥ 1, got "${value}".`);
    return n;
  };
}

/** Shared by the commands that act on "the queues given, or all of them". */
@Injectable() // emits the constructor's parameter types, which the subclasses inherit
abstract class QueueCommand extends CommandRunner {
  protected abstract readonly commandLine: string;

  constructor(protected readonly queues: QueueManager) {
    super();
  }

  protected selected(names?: string[]): string[] {
    requireShared(this.queues, this.commandLine);
    const known = this.queues.queueNames();
    for (const name of names ?? []) {
      if (!known.includes(name)) throw QueueMessages.queueUnknown(name, known);
    }
    return names?.length ? names : known;
  }

  @Option({
    flags: '-q, --queue <names>',
    description: 'Comma-separated queue names (default: all)',
  })
  parseQueue(value: string): string[] {
    return queueList(value);
  }
}

@Command({
  name: 'queue:work',
  description:
    'Run workers for the queues (all by default) until SIGTERM or Ctrl+C, finishing running jobs first',
})
export class QueueWorkCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:work';

  async run(_: string[], flags: { queue?: string[]; concurrency?: number }): Promise<void> {
    const names = this.selected(flags.queue);
    const counts = { completed: 0, failed: 0 };
    this.queues.on('completed', (e) => {
      counts.completed++;
      out(`  ✔ ${e.queue} ${e.name}#${e.id} in ${e.durationMs} ms`);
    });
    this.queues.on('failed', (e) => {
      counts.failed++;
      out(
        `  ✖ ${e.queue} ${e.name}#${e.id} attempt ${e.attemptsMade}: ${e.error.message}${e.willRetry ? ' (will retry)' : ''}`,
      );
    });
    const started = await this.queues.startWorkers({
      queues: names,
      concurrency: flags.concurrency,
    });
    for (const queue of started) {
      out(
        `Working "${queue}" with concurrency ${flags.concurrency ?? this.queues.concurrencyOf(queue)}`,
      );
    }
    out('Press Ctrl+C (or send SIGTERM) to stop after the running jobs finish.');
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM')).once('SIGINT', () => resolve('SIGINT'));
    });
    out(`${signal}: finishing running jobs…`);
    await this.queues.stopWorkers();
    out(`Stopped. ${counts.completed} completed, ${counts.failed} failed attempts.`);
  }

  @Option({
    flags: '-c, --concurrency <n>',
    description: 'Jobs at once per queue (default: configured)',
  })
  parseConcurrency(value: string): number {
    return positiveInt('concurrency')(value);
  }
}

@Command({ name: 'queue:list', description: 'Show each queue with its job counts per state' })
export class QueueListCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:list';

  async run(_: string[], flags: { queue?: string[] }): Promise<void> {
    const names = this.selected(flags.queue);
    const rows = table([
      'Queue',
      'State',
      'Waiting',
      'Prioritized',
      'Delayed',
      'Active',
      'Children',
      'Completed',
      'Failed',
    ]);
    for (const queue of names) {
      const [c, paused] = await Promise.all([
        this.queues.counts(queue),
        this.queues.isPaused(queue),
      ]);
      rows.push([
        queue,
        paused ? 'paused' : 'running',
        c.waiting,
        c.prioritized,
        c.delayed,
        c.active,
        c['waiting-children'],
        c.completed,
        c.failed,
      ]);
    }
    out(rows.toString());
    out(`${names.length} queue${names.length === 1 ? '' : 's'} on ${this.queues.driverKind}`);
  }
}

@Command({ name: 'queue:failed', description: 'List failed jobs, newest first' })
export class QueueFailedCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:failed';

  async run(_: string[], flags: { queue?: string[]; limit?: number }): Promise<void> {
    const limit = flags.limit ?? 20;
    const rows = table(['Queue', 'Id', 'Job', 'Attempts', 'Failed at', 'Reason']);
    let total = 0;
    for (const queue of this.selected(flags.queue)) {
      total += (await this.queues.counts(queue)).failed;
      for (const job of await this.queues.jobs(queue, ['failed'], 0, limit - 1)) {
        rows.push([
          queue,
          job.id,
          job.name,
          `${job.attemptsMade}/${job.attempts}`,
          job.finishedAt ? new Date(job.finishedAt).toISOString() : '',
          (job.failedReason ?? '').slice(0, 80),
        ]);
      }
    }
    if (total === 0) {
      out('No failed jobs.');
      return;
    }
    out(rows.toString());
    out(
      `${total} failed. Retry one with "lattice queue:retry <id> --queue <name>", or all with "--all".`,
    );
  }

  @Option({ flags: '-l, --limit <n>', description: 'Jobs per queue to show (default 20)' })
  parseLimit(value: string): number {
    return positiveInt('limit')(value);
  }
}

@Command({
  name: 'queue:retry',
  arguments: '[id]',
  description: 'Move a failed job (or --all failed jobs) back to waiting',
})
export class QueueRetryCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:retry';

  async run([id]: string[], flags: { queue?: string[]; all?: boolean }): Promise<void> {
    const names = this.selected(flags.queue);
    if (!id && !flags.all)
      throw usage(
        'queue:retry needs a job id or --all.',
        'Run "lattice queue:failed" to see failed jobs and their ids.',
      );
    let moved = 0;
    for (const queue of names) {
      const count = await this.queues.retry(queue, flags.all ? 'all-failed' : id);
      if (count > 0) out(`  ↻ ${queue}: ${count} job${count === 1 ? '' : 's'}`);
      moved += count;
    }
    if (moved === 0 && id) {
      // A usage error would be wrong here: the command line was fine, the job is not there.
      throw new LatticeError(
        'LATTICE_QUEUE_JOB_NOT_FOUND',
        `No failed job with id ${id} in ${names.join(', ')}.`,
        '"lattice queue:failed" lists failed jobs with their queue and id.',
      );
    }
    out(`${moved} job${moved === 1 ? '' : 's'} moved back to waiting.`);
  }

  @Option({ flags: '-a, --all', description: 'Retry every failed job' })
  parseAll(): boolean {
    return true;
  }
}

@Command({
  name: 'queue:clear',
  description:
    'Delete jobs: pending ones by default (waiting, prioritized, delayed), or --state completed|failed',
})
export class QueueClearCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:clear';

  async run(
    _: string[],
    flags: { queue?: string[]; state?: 'pending' | 'completed' | 'failed'; all?: boolean },
  ): Promise<void> {
    if (!flags.queue?.length && !flags.all) {
      throw usage(
        'queue:clear needs --queue <names> or --all.',
        'Name the queues to clear (--queue mail,default) or pass --all for every queue.',
      );
    }
    const state = flags.state ?? 'pending';
    for (const queue of this.selected(flags.queue)) {
      const removed = await this.queues.clear(queue, state);
      out(`  ✔ ${queue}: ${removed} ${state} job${removed === 1 ? '' : 's'} removed`);
    }
  }

  @Option({ flags: '-s, --state <state>', description: 'pending (default), completed or failed' })
  parseState(value: string): string {
    if (!['pending', 'completed', 'failed'].includes(value)) {
      throw new Error(`--state must be pending, completed or failed, got "${value}".`);
    }
    return value;
  }

  @Option({ flags: '-a, --all', description: 'Clear every queue' })
  parseAll(): boolean {
    return true;
  }
}

@Command({
  name: 'queue:pause',
  description: 'Stop workers everywhere from taking new jobs of the queues',
})
export class QueuePauseCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:pause';

  async run(_: string[], flags: { queue?: string[] }): Promise<void> {
    for (const queue of this.selected(flags.queue)) {
      await this.queues.pause(queue);
      out(`  ⏸ ${queue} paused`);
    }
  }
}

@Command({ name: 'queue:resume', description: 'Let workers take jobs of the queues again' })
export class QueueResumeCommand extends QueueCommand {
  protected readonly commandLine = 'lattice queue:resume';

  async run(_: string[], flags: { queue?: string[] }): Promise<void> {
    for (const queue of this.selected(flags.queue)) {
      await this.queues.resume(queue);
      out(`  ▶ ${queue} resumed`);
    }
  }
}

/**
 * Adds the queue:* commands to a `lattice` command line (`runLatticeCli` of `@lattice/core/cli`);
 * import it next to `QueueModule.forRoot({ worker: false })` in the CLI's root module.
 */
@Module({
  providers: [
    QueueWorkCommand,
    QueueListCommand,
    QueueFailedCommand,
    QueueRetryCommand,
    QueueClearCommand,
    QueuePauseCommand,
    QueueResumeCommand,
  ],
})
export class QueueCommandsModule {}
