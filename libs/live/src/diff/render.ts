import { LiveMessages } from '../live.messages';
import { escapeHtml, sanitizeStyle, sanitizeUrl, UNSAFE_URL } from '../template/escape';
import { LiveChild, Repeat, TemplateResult, UnsafeHTML } from '../template/html';
import type { Hole } from '../template/compile';
import {
  BUILTIN_STATICS,
  RDyn,
  RList,
  RNode,
  StaticsTable,
  TEXT_STATICS_ID,
  toHTML,
} from './rendered';

/**
 * Every template statics this process has rendered, by id. Ids are content hashes, so another
 * process (or a restarted one) has the same id for the same template.
 */
export const staticsRegistry: StaticsTable = { ...BUILTIN_STATICS };

/**
 * Where `live()` children go while a template renders: the host (a live session, or a server
 * render) gives each one its component id, or a placeholder in HTML it fills in afterwards.
 */
export interface ChildHost {
  place(child: LiveChild): number | string;
}
let childHost: ChildHost | undefined;

/** Runs a (synchronous) render with `host` receiving the `live()` children it meets. */
export function withChildHost<T>(host: ChildHost, fn: () => T): T {
  const outer = childHost;
  childHost = host;
  try {
    return fn();
  } finally {
    childHost = outer;
  }
}

function placeChild(child: LiveChild): number | string {
  if (!childHost) throw LiveMessages.childOutsideLive(child.component);
  return childHost.place(child);
}

/** Renders a template into the tree that diffs are computed on and sent as. */
export function render(result: TemplateResult): RNode {
  const { template, values } = result;
  if (!(template.id in staticsRegistry)) staticsRegistry[template.id] = template.statics;
  const node: RNode = [template.id];
  for (let i = 0; i < values.length; i++) node.push(renderHole(template.holes[i], values[i]));
  return node;
}

/**
 * Renders a template straight to HTML: the same output as `toHTML(render(result))`, without
 * building the tree (full page loads need no diffing).
 */
export function renderToString(result: TemplateResult): string {
  const { statics, holes } = result.template;
  const values = result.values;
  let out = statics[0];
  for (let i = 0; i < values.length; i++) {
    const hole = holes[i];
    out +=
      (hole.kind === 'text' ? textToString(values[i]) : (renderHole(hole, values[i]) as string)) +
      statics[i + 1];
  }
  return out;
}

function textToString(value: unknown): string {
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return String(value);
  if (value instanceof TemplateResult) return renderToString(value);
  if (value instanceof Repeat) {
    let out = '';
    value.items.forEach((item, i) => (out += renderToString(value.render(item, i))));
    return out;
  }
  if (Array.isArray(value)) {
    let out = '';
    for (const item of value) out += textToString(item);
    return out;
  }
  if (value instanceof LiveChild) return String(placeChild(value));
  const dyn = renderText(value); // the remaining cases are leaves: '', unsafe HTML, or an error
  return typeof dyn === 'string' ? dyn : toHTML(asNode(dyn as RDyn), staticsRegistry);
}

function renderHole(hole: Hole, value: unknown): RDyn {
  if (hole.kind === 'text') return renderText(value);
  if (value === null || value === undefined || (value === false && hole.kind === 'url')) return '';
  if (typeof value === 'object' || typeof value === 'function') {
    if (
      value instanceof TemplateResult ||
      value instanceof UnsafeHTML ||
      value instanceof Repeat ||
      value instanceof LiveChild ||
      Array.isArray(value)
    ) {
      throw LiveMessages.templateInAttribute(hole.name);
    }
    throw LiveMessages.valueNotRenderable(value);
  }
  const text = String(value);
  if (hole.kind === 'style') return escapeHtml(sanitizeStyle(text));
  if (
    hole.kind === 'url' &&
    hole.prefix !== undefined &&
    sanitizeUrl(hole.prefix + text) === UNSAFE_URL
  ) {
    return UNSAFE_URL;
  }
  return escapeHtml(text);
}

function renderText(value: unknown): RDyn {
  switch (typeof value) {
    case 'string':
      return escapeHtml(value);
    case 'number':
    case 'bigint':
      return String(value);
    case 'boolean':
    case 'undefined':
      return ''; // `${cond && html`…`}` renders nothing when cond is false
    case 'object':
      if (value === null) return '';
      if (value instanceof TemplateResult) return render(value);
      if (value instanceof UnsafeHTML) return value.html;
      if (value instanceof Repeat) return renderRepeat(value);
      if (Array.isArray(value)) return renderArray(value);
      if (value instanceof LiveChild) return placeChild(value);
  }
  throw LiveMessages.valueNotRenderable(value);
}

/** A list item that is plain text rides in the built-in one-value template. */
function asNode(dyn: RDyn): RNode {
  return Array.isArray(dyn) ? dyn : [TEXT_STATICS_ID, dyn];
}

function renderArray(values: unknown[]): RList {
  return { k: values.map((_, i) => String(i)), n: values.map((v) => asNode(renderText(v))) };
}

function renderRepeat(repeat: Repeat): RList {
  const keys: string[] = [];
  const seen = new Set<string>();
  const nodes: RNode[] = [];
  repeat.items.forEach((item, i) => {
    const key = String(repeat.key(item, i));
    if (seen.has(key)) throw LiveMessages.duplicateKey(key);
    seen.add(key);
    keys.push(key);
    nodes.push(render(repeat.render(item, i)));
  });
  return { k: keys, n: nodes };
}
