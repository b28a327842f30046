import { describeLoad } from './scale-policy';
import type { QueueStatus, ScaleDecision } from './supervisor.interfaces';

/** How the supervisor prints: a live status line (terminal), plain log lines, or JSON lines. */
export type SupervisorOutputMode = 'tty' | 'plain' | 'json';

/** Where the supervisor tells what it does. */
export interface SupervisorReporter {
  /** A scale step: "notifications: 1 → 3 workers, 240 waiting, oldest 4.2 s". */
  decision(decision: ScaleDecision): void;
  /** Anything else worth a line: a crash, a restart, a signal. */
  event(kind: string, message: string, details?: Record<string, unknown>): void;
  /** The queues after a tick. */
  status(queues: QueueStatus[]): void;
  /** Clears the live line before the process ends. */
  close(): void;
}

/** "notifications 3 of 1..8 (1 starting) +1 stopping: 240 waiting, oldest 4.2 s": one queue. */
export function describeQueue(q: QueueStatus): string {
  // Starting and restarting workers are among the count; stopping ones are on top of it.
  const among = [
    q.starting ? `${q.starting} starting` : '',
    q.restarting ? `${q.restarting} restarting` : '',
  ].filter(Boolean);
  const details =
    (among.length ? ` (${among.join(', ')})` : '') + (q.stopping ? ` +${q.stopping} stopping` : '');
  return `${q.queue} ${q.workers} of ${q.min}..${q.max}${details}: ${describeLoad(q)}`;
}

/** The line a decision is logged as. */
export function describeDecision(d: ScaleDecision): string {
  return `${d.queue}: ${d.from} → ${d.to} worker${d.to === 1 ? '' : 's'}, ${d.reason}`;
}

/**
 * The default reporter. On a terminal the status is one line redrawn in place under the log;
 * otherwise decisions and events are plain lines with a timestamp and the status is printed when
 * the worker counts change and every `statusEveryMs`; with `json`, every line is a JSON object
 * (`{"type":"scale"|"status"|<event>,…}`) for scripts and tests.
 */
export class StreamSupervisorReporter implements SupervisorReporter {
  private live = '';
  private lastCounts = '';
  private lastStatusAt = 0;

  constructor(
    private readonly mode: SupervisorOutputMode,
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
    private readonly statusEveryMs = 30_000,
  ) {}

  decision(decision: ScaleDecision): void {
    if (this.mode === 'json') this.json({ type: 'scale', ...decision });
    else this.line(describeDecision(decision));
  }

  event(kind: string, message: string, details: Record<string, unknown> = {}): void {
    if (this.mode === 'json') this.json({ type: kind, message, ...details });
    else this.line(message);
  }

  status(queues: QueueStatus[]): void {
    if (this.mode === 'json') return this.json({ type: 'status', queues });
    const text = queues.map(describeQueue).join(' | ');
    if (this.mode === 'tty') {
      if (text === this.live) return;
      this.live = text;
      this.write(`\r\x1b[K${text}`);
      return;
    }
    const counts = queues
      .map((q) => `${q.workers}/${q.starting}/${q.stopping}/${q.restarting}`)
      .join(',');
    const now = Date.now();
    if (counts === this.lastCounts && now - this.lastStatusAt < this.statusEveryMs) return;
    this.lastCounts = counts;
    this.lastStatusAt = now;
    this.line(text);
  }

  close(): void {
    if (this.mode === 'tty' && this.live) this.write('\r\x1b[K');
    this.live = '';
  }

  private line(text: string): void {
    if (this.mode === 'tty') {
      // The log scrolls above the status line, which is drawn again under it.
      this.write(`\r\x1b[K${time()} ${text}\n${this.live}`);
      return;
    }
    this.write(`${new Date().toISOString()} ${text}\n`);
  }

  private json(value: Record<string, unknown>): void {
    this.write(`${JSON.stringify({ time: new Date().toISOString(), ...value })}\n`);
  }
}

function time(): string {
  return new Date().toTimeString().slice(0, 8);
}
