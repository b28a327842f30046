// The rendered tree and its diffs, in the exact shape they travel as JSON (docs/live-protocol.md).
// Shared by the server and the browser runtime: no Node APIs here.

/** A rendered template: its statics id, then one entry per dynamic. */
export type RNode = [statics: string, ...dynamics: RDyn[]];
/** A keyed list: keys in order, and the item nodes in the same order. */
export interface RList {
  k: string[];
  n: RNode[];
}
/** A dynamic: escaped HTML text, a nested template, a list, or a child component by id. */
export type RDyn = string | RNode | RList | number;
/** The rendered child components of a page, by component id. */
export type RComponents = { [cid: string]: RNode };
/** Changed child components: a diff, a whole node (new), or null (gone). */
export type ComponentsDiff = { [cid: string]: NodeDiff | RNode | null };

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
/** A replacement (text, node, list or component id) or a change inside a node or list. */
export type SlotDiff = string | number | RNode | RList | NodeDiff | ListDiff;

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

/** The HTML of a rendered node (its child components from `components`). */
export function toHTML(node: RNode, statics: StaticsTable, components: RComponents = {}): string {
  const parts = statics[node[0]];
  if (!parts) throw new Error(`Unknown statics "${node[0]}"`);
  let out = parts[0];
  for (let i = 1; i < node.length; i++)
    out += dynHTML(node[i] as RDyn, statics, components) + parts[i];
  return out;
}

function dynHTML(dyn: RDyn, statics: StaticsTable, components: RComponents): string {
  if (typeof dyn === 'string') return dyn;
  if (typeof dyn === 'number') {
    const child = components[dyn];
    if (!child) throw new Error(`Unknown component ${dyn}`);
    return componentHTML(toHTML(child, statics, components), dyn);
  }
  if (Array.isArray(dyn)) return toHTML(dyn, statics, components);
  let out = '';
  for (const item of dyn.n) out += toHTML(item, statics, components);
  return out;
}

/**
 * A child component's HTML with its id on its root element (`data-l-c`), which routes the events
 * from inside it to it. The server refuses child templates that do not start with an element.
 */
export function componentHTML(html: string, cid: number): string {
  const tag = /^\s*<[a-zA-Z][^\s/>]*/.exec(html);
  if (!tag) return html;
  const end = tag[0].length;
  return `${html.slice(0, end)} data-l-c="${cid}"${html.slice(end)}`;
}

/** Applies a components diff to a page's components; returns the new table. */
export function applyComponentsDiff(components: RComponents, diff: ComponentsDiff): RComponents {
  const next = { ...components };
  for (const cid in diff) {
    const change = diff[cid];
    if (change === null) delete next[cid];
    else next[cid] = applyNodeDiff(next[cid], change);
  }
  return next;
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
  if (typeof diff !== 'object' || Array.isArray(diff) || isList(diff)) return diff as RDyn;
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
