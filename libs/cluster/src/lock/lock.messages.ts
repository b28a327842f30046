import { LatticeError } from '@lattice/core';
import { LockTimeoutError, StaleFenceError } from './lock.errors';

/** Every error the locks raise on purpose: the thing, the cause, the fix. */
export const LockMessages = {
  timeout: (key: string, waitedMs: number, slots?: number) =>
    new LockTimeoutError(
      key,
      waitedMs,
      slots === undefined
        ? `Lock "${key}" is held by another process: waited ${waitedMs} ms for it.`
        : `All ${slots} slots of semaphore "${key}" are taken: waited ${waitedMs} ms for one.`,
      'Try again later. If the holder is slow on purpose, raise acquireTimeoutMs; a holder that died frees it when its lease (ttlMs) ends.',
    ),
  staleFence: (resource: string, fence: number, current?: number) =>
    new StaleFenceError(
      resource,
      fence,
      `Write to ${resource} refused: its fencing token ${fence} is older than ${current === undefined ? 'the one stored' : `the stored ${current}`}, so a newer lock holder has written since.`,
      "This holder lost its lease (paused or cut off past ttlMs): drop the work, don't retry it with this token; acquire the lock again for a new token.",
    ),
  leaseLost: (key: string, why: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_LEASE_LOST',
      `Lock "${key}" was lost: ${why}.`,
      'Another process may hold it now: stop the work this lock protects; its writes would be refused by their fencing token.',
    ),
  badLimit: (key: string, limit: number) =>
    new LatticeError(
      'LATTICE_CLUSTER_BAD_SEMAPHORE_LIMIT',
      `Semaphore "${key}" was asked for ${limit} slots.`,
      'Pass a whole number of slots, 1 or more.',
    ),
  badKey: (key: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_BAD_LOCK_KEY',
      `Lock key ${JSON.stringify(key)} is empty.`,
      "Name what the lock protects: 'questions:reconcile', 'answer:42'.",
    ),
  keyPlaceholder: (method: string, template: string, placeholder: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_LOCK_KEY_PLACEHOLDER',
      `@WithLock('${template}') on ${method}: the call has no value for {${placeholder}}.`,
      '{0}, {1}… name arguments by position; {name} reads a property of the first object argument. Pass that argument, or give @WithLock a function (args) => key.',
    ),
  fencedRowMissing: (resource: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_FENCED_ROW_MISSING',
      `Fenced write to ${resource} found no such row.`,
      'Create the row first (with its fence column at 0), or check the id.',
    ),
  noFenceColumn: (entity: string, property: string) =>
    new LatticeError(
      'LATTICE_CLUSTER_NO_FENCE_COLUMN',
      `Entity ${entity} has no column for property "${property}", which a fenced update needs.`,
      "Add `@Column({ type: 'integer', default: 0 }) fence!: number` to the entity, or name yours with { fenceProperty } / { idProperty }.",
    ),
};
