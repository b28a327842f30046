import type {
  QueueLoad,
  QueueWorkerRange,
  ScaleDecision,
  ScalePlan,
  ScalePolicy,
  ScaleState,
} from './supervisor.interfaces';

/** "350 ms", "4.2 s", "3.5 min": how the supervisor writes a wait. */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** "240 waiting, oldest 4.2 s": a queue's load in the words of a decision. */
export function describeLoad(load: QueueLoad): string {
  if (load.waiting === 0) return load.active > 0 ? `none waiting, ${load.active} running` : 'idle';
  const oldest = load.oldestWaitMs !== undefined ? `, oldest ${formatWait(load.oldestWaitMs)}` : '';
  return `${load.waiting} waiting${oldest}`;
}

const NO_LOAD: QueueLoad = { waiting: 0, active: 0 };

/** Workers the queue's own load asks for, within its range, and what limited it. */
function wanted(
  range: QueueWorkerRange,
  load: QueueLoad,
  current: number,
  policy: ScalePolicy,
): { count: number; why: string[] } {
  const why: string[] = [];
  let count = load.waiting > 0 ? Math.ceil(load.waiting / policy.backlogPerWorker) : 0;
  // A small backlog that nobody takes (slow jobs) still needs help: the wait says so.
  if (load.waiting > 0 && (load.oldestWaitMs ?? 0) > policy.maxWaitMs && count <= current) {
    count = current + 1;
    why.push(`waited longer than ${formatWait(policy.maxWaitMs)}`);
  }
  if (count > range.max) {
    count = range.max;
    why.push(`max ${range.max}`);
  }
  return { count: Math.max(count, range.min), why };
}

/** How much a queue needs another worker: its waiting jobs per worker (∞ with none). */
function pressure(load: QueueLoad, workers: number): number {
  if (load.waiting === 0) return 0;
  return workers === 0 ? Infinity : load.waiting / workers;
}

/**
 * The scaling policy of `lattice queue:supervise`: from the worker counts now, the queues' load
 * and the time, the worker counts for the next tick, with a reason for every change. Pure, so
 * the whole policy is unit-tested without processes or Redis.
 *
 * 1. Each queue wants ⌈waiting / backlogPerWorker⌉ workers, one more than it has when its oldest
 *    job waited past `maxWaitMs`, within its min and max.
 * 2. Past `maxProcesses`, every queue keeps its min and the spare processes go, one at a time,
 *    to the queue with the most waiting jobs per worker (Horizon's "auto" balancing).
 * 3. A queue moves toward that target once per `cooldownMs`: up by at most `maxShift`, down by
 *    one (a stopped worker finishes its jobs first, so shrinking is gentle), never past
 *    `maxProcesses` while another queue has yet to give workers back. A queue below its min
 *    (at start) gets it at once.
 */
export function planScale(
  policy: ScalePolicy,
  state: ScaleState,
  loads: Record<string, QueueLoad>,
  now: number,
): ScalePlan {
  const load = (queue: string) => loads[queue] ?? NO_LOAD;
  const current = (queue: string) => state.workers[queue] ?? 0;

  // 1. What each queue's load asks for.
  const wants = new Map(
    policy.queues.map((r) => [r.queue, wanted(r, load(r.queue), current(r.queue), policy)]),
  );

  // 2. Shared out within maxProcesses.
  const target = new Map(policy.queues.map((r) => [r.queue, r.min]));
  let spare = policy.maxProcesses - policy.queues.reduce((sum, r) => sum + r.min, 0);
  for (; spare > 0; spare--) {
    let best: string | undefined;
    for (const { queue } of policy.queues) {
      if (target.get(queue)! >= wants.get(queue)!.count) continue;
      if (
        best === undefined ||
        pressure(load(queue), target.get(queue)!) > pressure(load(best), target.get(best)!)
      )
        best = queue;
    }
    if (best === undefined) break;
    target.set(best, target.get(best)! + 1);
  }

  // 3. One step toward the target, where the cool-down allows.
  const next = new Map<string, number>();
  const why = new Map<string, string[]>();
  const rising: QueueWorkerRange[] = [];
  for (const range of policy.queues) {
    const { queue } = range;
    const now_ = current(queue);
    const goal = target.get(queue)!;
    const reasons = [...wants.get(queue)!.why];
    if (goal < wants.get(queue)!.count) reasons.push(`--max-processes ${policy.maxProcesses}`);
    why.set(queue, reasons);
    const last = state.lastScaledAt[queue];
    const cooling = last !== undefined && now - last < policy.cooldownMs;
    if (now_ < range.min) {
      next.set(queue, now_);
      rising.push(range);
    } else if (now_ > range.max) next.set(queue, range.max);
    else if (goal === now_ || cooling) next.set(queue, now_);
    else if (goal < now_) next.set(queue, now_ - 1);
    else {
      next.set(queue, now_);
      rising.push(range);
    }
  }
  // Growth fits in what the others hold now: a queue still cooling keeps its workers.
  let room = policy.maxProcesses - [...next.values()].reduce((sum, n) => sum + n, 0);
  rising.sort((a, b) => {
    const belowMin = Number(current(b.queue) < b.min) - Number(current(a.queue) < a.min);
    return (
      belowMin ||
      pressure(load(b.queue), current(b.queue)) - pressure(load(a.queue), current(a.queue))
    );
  });
  for (const { queue, min } of rising) {
    const from = current(queue);
    const step =
      from < min
        ? min - from
        : Math.min(target.get(queue)! - from, policy.maxShift, Math.max(room, 0));
    if (step <= 0) {
      if (from < target.get(queue)!) why.get(queue)!.push(`--max-processes ${policy.maxProcesses}`);
      continue;
    }
    next.set(queue, from + step);
    room -= step;
  }

  const decisions: ScaleDecision[] = [];
  for (const { queue, min } of policy.queues) {
    const from = current(queue);
    const to = next.get(queue)!;
    if (to === from) continue;
    const reasons =
      from < min ? [`minimum ${min}`] : [describeLoad(load(queue)), ...new Set(why.get(queue))];
    decisions.push({ queue, from, to, reason: reasons.join(', ') });
  }
  return { workers: Object.fromEntries(next), decisions };
}
