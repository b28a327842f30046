import {
  ComponentsDiff,
  isList,
  RComponents,
  ListDiff,
  NodeDiff,
  RDyn,
  RList,
  RNode,
  SlotDiff,
  StaticsTable,
  TEXT_STATICS_ID,
} from './rendered';

/**
 * What changed from `before` to `after`: a node diff with only the changed dynamics, the whole
 * new node when its template changed, or undefined when nothing changed.
 */
export function diffNode(before: RNode, after: RNode): NodeDiff | RNode | undefined {
  if (before[0] !== after[0] || before.length !== after.length) return after;
  let changes: NodeDiff | undefined;
  for (let i = 1; i < after.length; i++) {
    const change = diffDyn(before[i] as RDyn, after[i] as RDyn);
    if (change !== undefined) (changes ??= {})[i - 1] = change;
  }
  return changes;
}

function diffDyn(before: RDyn, after: RDyn): SlotDiff | undefined {
  if (typeof after === 'string' || typeof after === 'number')
    return before === after ? undefined : after;
  if (Array.isArray(after)) return Array.isArray(before) ? diffNode(before, after) : after;
  return isList(before) ? diffList(before, after) : after;
}

/** Keyed list changes: removals, inserts and the fewest moves (those outside the longest kept run), item changes. */
function diffList(before: RList, after: RList): ListDiff | undefined {
  const oldIndex = new Map<string, number>();
  before.k.forEach((key, i) => oldIndex.set(key, i));
  const newKeys = new Set(after.k);
  const removed = before.k.filter((key) => !newKeys.has(key));

  // Old positions of the kept items, in their new order; the longest increasing run stays put.
  const keptNew: number[] = [];
  const keptOld: number[] = [];
  after.k.forEach((key, j) => {
    const i = oldIndex.get(key);
    if (i !== undefined) {
      keptNew.push(j);
      keptOld.push(i);
    }
  });
  const staying = new Set(longestIncreasing(keptOld).map((p) => keptNew[p]));

  const inserted: NonNullable<ListDiff['i']> = [];
  const updated: NonNullable<ListDiff['u']> = {};
  let anyUpdate = false;
  after.k.forEach((key, j) => {
    const i = oldIndex.get(key);
    if (i === undefined) {
      inserted.push([key, j, after.n[j]]);
      return;
    }
    if (!staying.has(j)) inserted.push([key, j]);
    const change = diffNode(before.n[i], after.n[j]);
    if (change !== undefined) {
      updated[key] = change;
      anyUpdate = true;
    }
  });

  if (removed.length === 0 && inserted.length === 0 && !anyUpdate) return undefined;
  const diff: ListDiff = {};
  if (removed.length) diff.r = removed;
  if (inserted.length) diff.i = inserted;
  if (anyUpdate) diff.u = updated;
  return diff;
}

/**
 * What changed in a page's child components: a diff per changed one, the whole node of a new one,
 * null for one that is gone; undefined when nothing changed. Unchanged components keep their
 * node object, so they cost one comparison.
 */
export function diffComponents(
  before: RComponents,
  after: RComponents,
): ComponentsDiff | undefined {
  let changes: ComponentsDiff | undefined;
  for (const cid in after) {
    const old = before[cid];
    if (old === after[cid]) continue;
    const change = old ? diffNode(old, after[cid]) : after[cid];
    if (change !== undefined) (changes ??= {})[cid] = change;
  }
  for (const cid in before) if (!(cid in after)) (changes ??= {})[cid] = null;
  return changes;
}

/** Positions (into `values`) of one longest strictly increasing subsequence. O(n log n). */
export function longestIncreasing(values: number[]): number[] {
  const tails: number[] = []; // tails[len] = position of the smallest tail of a run of length len+1
  const previous = new Array<number>(values.length);
  for (let p = 0; p < values.length; p++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]] < values[p]) lo = mid + 1;
      else hi = mid;
    }
    previous[p] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = p;
  }
  const run: number[] = [];
  for (let p = tails.length ? tails[tails.length - 1] : -1; p >= 0; p = previous[p]) run.push(p);
  return run.reverse();
}

/**
 * The statics a client needs for `payload` (a full node or a diff) that it does not have yet.
 * Adds them to `known`, so each template's statics cross a connection once.
 */
export function newStatics(
  payload: SlotDiff | ComponentsDiff,
  registry: StaticsTable,
  known: Set<string>,
): StaticsTable | undefined {
  let found: StaticsTable | undefined;
  const node = (n: RNode): void => {
    const id = n[0];
    if (id !== TEXT_STATICS_ID && !known.has(id)) {
      known.add(id);
      (found ??= {})[id] = registry[id];
    }
    for (let i = 1; i < n.length; i++) slot(n[i] as RDyn);
  };
  const slot = (value: SlotDiff | null): void => {
    if (typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) return node(value);
    if (isList(value)) return value.n.forEach(node);
    if ('r' in value || 'i' in value || 'u' in value) {
      const list = value as ListDiff;
      for (const entry of list.i ?? []) if (entry.length === 3) node(entry[2]);
      for (const key in list.u ?? {}) slot(list.u![key]);
      return;
    }
    for (const key in value) slot((value as NodeDiff)[key]);
  };
  slot(payload as SlotDiff);
  return found;
}
