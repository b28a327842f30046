// The rendered tree and its diffs, in the exact shape they travel as JSON (docs/live-protocol.md).
// Shared by the server and the browser runtime: no Node APIs here.

/** A rendered template: its statics id, then one entry per dynamic. */
export type RNode = [statics: string, ...dynamics: RDyn[]];
/** A keyed list: keys in order, and the item nodes in the same order. */
export interface RList {
  k: string[];
  n: RNode[];
}
/** A dynamic: escaped HTML text, a nested template, or a list. */
export type RDyn = string | RNode | RList;

/** Changed dynamics of a node whose statics did not change, by index. */
export type NodeDiff = { [index: string]: SlotDiff };
/**
 * Changes to a keyed list: `r` keys removed; `i` items inserted or moved, as [key, new index]
 * plus the node for a new key, in ascending index order; `u` changed items by key.
 */
export interface ListDiff {
  r?: string[];
  i?: Array<[key: string, index: number] | [key: string, index: number, node: RNode]>;
  u?: { [key: string]: NodeDiff | RNode };
}
/** A replacement (text, node or list) or a change inside a node or list. */
export type SlotDiff = string | RNode | RList | NodeDiff | ListDiff;

/** Statics by id. `_` is the built-in one-value template used for plain text inside lists. */
export type StaticsTable = Record<string, readonly string[]>;
export const TEXT_STATICS_ID = '_';
export const BUILTIN_STATICS: StaticsTable = { [TEXT_STATICS_ID]: ['', ''] };

export function isList(value: unknown): value is RList {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'k' in value;
}

function isListDiff(diff: object): diff is ListDiff {
  return 'r' in diff || 'i' in diff || 'u' in diff;
}

/** The HTML of a rendered node. */
export function toHTML(node: RNode, statics: StaticsTable): string {
  const parts = statics[node[0]];
  if (!parts) throw new Error(`Unknown statics "${node[0]}"`);
  let out = parts[0];
  for (let i = 1; i < node.length; i++) out += dynHTML(node[i] as RDyn, statics) + parts[i];
  return out;
}

function dynHTML(dyn: RDyn, statics: StaticsTable): string {
  if (typeof dyn === 'string') return dyn;
  if (Array.isArray(dyn)) return toHTML(dyn, statics);
  let out = '';
  for (const item of dyn.n) out += toHTML(item, statics);
  return out;
}

/** Applies a node diff (or a full replacement) to a node; returns the new node. */
export function applyNodeDiff(node: RNode, diff: NodeDiff | RNode): RNode {
  if (Array.isArray(diff)) return diff;
  const next = node.slice() as RNode;
  for (const index in diff) {
    const at = Number(index) + 1;
    next[at] = applySlot(next[at] as RDyn, diff[index]);
  }
  return next;
}

function applySlot(old: RDyn, diff: SlotDiff): RDyn {
  if (typeof diff === 'string' || Array.isArray(diff) || isList(diff)) return diff as RDyn;
  if (isListDiff(diff)) return applyListDiff(old as RList, diff);
  return applyNodeDiff(old as RNode, diff);
}

function applyListDiff(list: RList, diff: ListDiff): RList {
  const nodes = new Map<string, RNode>();
  list.k.forEach((key, i) => nodes.set(key, list.n[i]));
  const gone = new Set(diff.r ?? []);
  for (const entry of diff.i ?? []) gone.add(entry[0]); // moved items leave, then come back at their index
  const keys = list.k.filter((key) => !gone.has(key));
  for (const key of diff.r ?? []) nodes.delete(key);
  for (const entry of diff.i ?? []) {
    keys.splice(entry[1], 0, entry[0]);
    if (entry.length === 3) nodes.set(entry[0], entry[2]);
  }
  for (const key in diff.u ?? {}) nodes.set(key, applyNodeDiff(nodes.get(key)!, diff.u![key]));
  return { k: keys, n: keys.map((key) => nodes.get(key)!) };
}
