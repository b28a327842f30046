import { Command, CommandRunner, Option } from '@lattice/core/cli';
import { QueueManager, QueueMessages } from '@lattice/queue';
import { Optional } from '@nestjs/common';
import { QueueSupervisor } from '../supervisor/queue-supervisor';
import { queueManagerLoad } from '../supervisor/queue-load.source';
import type { QueueWorkerRange } from '../supervisor/supervisor.interfaces';
import { loadSupervisorConfig, type SupervisorConfig } from '../supervisor/supervisor.config';
import { SupervisorMessages } from '../supervisor/supervisor.messages';
import {
  parseQueueRanges,
  scalePolicy,
  SUPERVISOR_DEFAULTS,
} from '../supervisor/supervisor.options';
import { StreamSupervisorReporter } from '../supervisor/supervisor.reporter';

/** The flags of `lattice queue:supervise`, as its option methods return them. */
export interface QueueSuperviseFlags {
  queue?: string;
  min?: number;
  max?: number;
  maxProcesses?: number;
  cooldown?: number;
  interval?: number;
  backlog?: number;
  maxWait?: number;
  maxShift?: number;
  concurrency?: number;
  command?: string[];
  stopTimeout?: number;
  json?: boolean;
  verbose?: boolean;
  config?: string;
}

function whole(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new Error(`--${name} must be a whole number ≥ ${min}, got "${value}".`);
    return n;
  };
}

/**
 * `lattice queue:supervise`: keeps between a min and a max of `lattice queue:work` processes per
 * queue, scaled by backlog and wait time (Laravel Horizon's balancing), until SIGTERM or Ctrl+C;
 * then the workers finish their running jobs and it exits 0. Needs the BullMQ driver (REDIS_URL),
 * and `QueueModule.forRoot({ worker: false })` in the CLI's root module.
 */
@Command({
  name: 'queue:supervise',
  description:
    'Run and scale queue:work processes per queue by backlog and wait time, until SIGTERM or Ctrl+C',
})
export class QueueSuperviseCommand extends CommandRunner {
  // Optional: without QueueModule the other cluster commands still boot; this one says what to add.
  constructor(@Optional() private readonly queueManager?: QueueManager) {
    super();
  }

  async run(_: string[], flags: QueueSuperviseFlags): Promise<void> {
    const queues = this.queueManager;
    if (!queues) throw QueueMessages.managerNotVisible('lattice queue:supervise');
    if (queues.driverKind === 'memory')
      throw QueueMessages.needsSharedDriver('lattice queue:supervise');

    const defaults = {
      min: flags.min ?? SUPERVISOR_DEFAULTS.min,
      max: flags.max ?? Math.max(SUPERVISOR_DEFAULTS.max, flags.min ?? 0),
    };
    // The options override the config file, which overrides the defaults.
    const file: SupervisorConfig = flags.config ? loadSupervisorConfig(flags.config, defaults) : {};
    const known = queues.queueNames();
    const ranges: QueueWorkerRange[] = flags.queue
      ? parseQueueRanges(flags.queue, defaults)
      : (file.queues ?? parseQueueRanges(known.join(','), defaults));
    for (const { queue } of ranges)
      if (!known.includes(queue)) throw QueueMessages.queueUnknown(queue, known);

    const policy = scalePolicy(ranges, {
      maxProcesses: flags.maxProcesses ?? file.maxProcesses,
      cooldownMs: flags.cooldown ?? file.cooldownMs,
      backlogPerWorker: flags.backlog ?? file.backlogPerWorker,
      maxWaitMs: flags.maxWait ?? file.maxWaitMs,
      maxShift: flags.maxShift ?? file.maxShift,
    });
    const stopTimeoutMs =
      flags.stopTimeout ?? file.stopTimeoutMs ?? SUPERVISOR_DEFAULTS.stopTimeoutMs;
    const mode = flags.json ? 'json' : process.stdout.isTTY ? 'tty' : 'plain';
    const supervisor = new QueueSupervisor(
      {
        ...policy,
        // The program that runs this command, with its loader flags (-r @swc-node/register).
        command: flags.command ??
          file.command ?? [process.execPath, ...process.execArgv, process.argv[1]],
        concurrency: flags.concurrency ?? file.concurrency,
        intervalMs: flags.interval ?? file.intervalMs ?? SUPERVISOR_DEFAULTS.intervalMs,
        stopTimeoutMs,
        restartDelayMs: SUPERVISOR_DEFAULTS.restartDelayMs,
        workerOutput: flags.verbose,
      },
      queueManagerLoad(queues),
      new StreamSupervisorReporter(mode),
    );

    // Listening before the first worker starts, so an early signal is not the default (exit).
    const signal = new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM')).once('SIGINT', () => resolve('SIGINT'));
    });
    await supervisor.start();
    await signal;
    const killed = await supervisor.stop();
    if (killed.length) throw SupervisorMessages.workersDidNotStop(killed, stopTimeoutMs);
    process.stdout.write(flags.json ? `${JSON.stringify({ type: 'stopped' })}\n` : 'Stopped.\n');
  }

  @Option({
    flags: '-q, --queue <ranges>',
    description:
      'Queues and their worker ranges: notifications=1..8,maintenance=1..2 (default: every queue, --min..--max)',
  })
  parseQueue(value: string): string {
    return value;
  }

  @Option({
    flags: '--min <n>',
    description: `Workers per queue at least (default ${SUPERVISOR_DEFAULTS.min})`,
  })
  parseMin(value: string): number {
    return whole('min', 0)(value);
  }

  @Option({
    flags: '--max <n>',
    description: `Workers per queue at most (default ${SUPERVISOR_DEFAULTS.max})`,
  })
  parseMax(value: string): number {
    return whole('max', 1)(value);
  }

  @Option({
    flags: '--max-processes <n>',
    description:
      'Worker processes across all queues, shared by backlog (default: the sum of the maxes)',
  })
  parseMaxProcesses(value: string): number {
    return whole('max-processes', 1)(value);
  }

  @Option({
    flags: '--cooldown <ms>',
    description: `Least time between two scale steps of a queue (default ${SUPERVISOR_DEFAULTS.cooldownMs})`,
  })
  parseCooldown(value: string): number {
    return whole('cooldown', 0)(value);
  }

  @Option({
    flags: '--interval <ms>',
    description: `How often the queues are read (default ${SUPERVISOR_DEFAULTS.intervalMs})`,
  })
  parseInterval(value: string): number {
    return whole('interval', 50)(value);
  }

  @Option({
    flags: '--backlog <n>',
    description: `Waiting jobs per worker before another is added (default ${SUPERVISOR_DEFAULTS.backlogPerWorker})`,
  })
  parseBacklog(value: string): number {
    return whole('backlog', 1)(value);
  }

  @Option({
    flags: '--max-wait <ms>',
    description: `Oldest job's wait past which a queue gets one more worker (default ${SUPERVISOR_DEFAULTS.maxWaitMs})`,
  })
  parseMaxWait(value: string): number {
    return whole('max-wait', 0)(value);
  }

  @Option({
    flags: '--max-shift <n>',
    description: `Workers added to a queue in one step; removal is one at a time (default ${SUPERVISOR_DEFAULTS.maxShift})`,
  })
  parseMaxShift(value: string): number {
    return whole('max-shift', 1)(value);
  }

  @Option({
    flags: '-c, --concurrency <n>',
    description: "Jobs at once per worker process (default: the queue's configured concurrency)",
  })
  parseConcurrency(value: string): number {
    return whole('concurrency', 1)(value);
  }

  @Option({
    flags: '--command <command>',
    description:
      'The app\'s lattice command the workers run, e.g. "node dist/src/cli.js" (default: the one running this)',
  })
  parseCommand(value: string): string[] {
    const parts = value.trim().split(/\s+/).filter(Boolean);
    if (!parts.length) throw SupervisorMessages.commandInvalid(value);
    return parts;
  }

  @Option({
    flags: '--stop-timeout <ms>',
    description: `After SIGTERM, how long workers may finish their jobs before they are killed (default ${SUPERVISOR_DEFAULTS.stopTimeoutMs})`,
  })
  parseStopTimeout(value: string): number {
    return whole('stop-timeout', 0)(value);
  }

  @Option({
    flags: '--config <file>',
    description:
      'A JSON file of the same settings ({"queues": {"notifications": "1..8"}, "maxProcesses": 8, "cooldownMs": 3000, …}); options override it',
  })
  parseConfig(value: string): string {
    return value;
  }

  @Option({
    flags: '--json',
    description: 'Print JSON lines (decisions, events, status each tick)',
  })
  parseJson(): boolean {
    return true;
  }

  @Option({ flags: '-v, --verbose', description: 'Print every line the workers print' })
  parseVerbose(): boolean {
    return true;
  }
}
