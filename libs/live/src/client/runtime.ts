/// <reference lib="dom" />
// The browser runtime of live pages: joins every [data-l-root] over one socket, morphs each root
// to the server's renders (docs/live-protocol.md) and sends DOM events back. bundle.ts builds it
// into one IIFE. It imports the socket client by its own path: '@lattice/socket' pulls in server
// code.
import { SocketClient, type Channel } from '@lattice/socket/client';
import morphdom from 'morphdom';
import {
  applyComponentsDiff,
  applyNodeDiff,
  BUILTIN_STATICS,
  toHTML,
  type ComponentsDiff,
  type NodeDiff,
  type RComponents,
  type RNode,
  type StaticsTable,
} from '../diff/rendered';

/** A join reply (a whole tree, or a diff on a rejoin) or a `diff` push. */
interface LiveFrame {
  t?: StaticsTable;
  /** The root's tree or diff; absent when only child components changed. */
  d?: NodeDiff | RNode;
  /** Child components: a diff, a whole node, or null when gone. */
  c?: ComponentsDiff;
}

interface LiveRoot {
  readonly el: HTMLElement;
  readonly topic: string;
  readonly channel: Channel;
  tree: RNode | undefined;
  components: RComponents;
  /** Joined on the current connection: an event sent now reaches the session. */
  live: boolean;
  joining: boolean;
  /** The server refused the join; retrying cannot help. */
  refused: boolean;
  /** Frames applied since the last join (the join's included): matches the server's count unless one was lost. */
  frames: number;
}

type FormControl = HTMLButtonElement | HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Loading state of an element while events it triggered are in flight. */
interface Busy {
  count: number;
  ariaBusy: string | null;
  /** The disabled state to restore, when the runtime disabled the element. */
  disabled: boolean | undefined;
}

const ROOT = '[data-l-root]';
const VALUE_PREFIX = 'data-l-value-';
const INPUT_DEBOUNCE_MS = 300;

const statics: StaticsTable = { ...BUILTIN_STATICS };
const roots: LiveRoot[] = [];
const busy = new Map<Element, Busy>();
const debounceTimers = new Map<Element, ReturnType<typeof setTimeout>>();

function start(): void {
  const client = new SocketClient(socketUrl(), { reauthenticate: refreshSession });
  for (const el of document.querySelectorAll<HTMLElement>(ROOT)) {
    const topic = el.dataset.lTopic;
    if (!topic) {
      console.warn('Lattice: a [data-l-root] element has no data-l-topic; it stays static.', el);
      continue;
    }
    const root: LiveRoot = {
      el,
      topic,
      channel: client.channel(topic),
      tree: undefined,
      components: {},
      live: false,
      joining: false,
      refused: false,
      frames: 0,
    };
    root.channel.on('diff', (frame) => render(root, frame as LiveFrame));
    root.channel.on('rejoined', (frame) => {
      root.live = true;
      root.frames = 0;
      render(root, frame as LiveFrame);
      recoverInput(root);
    });
    root.channel.on('rejoin-failed', (reason) => joinFailed(root, reason));
    roots.push(root);
  }

  document.documentElement.classList.add('l-disconnected');
  let connected = false;
  client.on('state', (state) => {
    if (state !== 'open') for (const root of roots) root.live = false;
    // Joined channels rejoin by themselves; these are the roots whose first join never succeeded.
    else for (const root of roots) if (!root.channel.joined) void join(root);
    if (connected === (state === 'open')) return;
    connected = !connected;
    document.documentElement.classList.toggle('l-connected', connected);
    document.documentElement.classList.toggle('l-disconnected', !connected);
    window.dispatchEvent(new Event(connected ? 'lattice:connected' : 'lattice:disconnected'));
  });

  document.addEventListener('click', onClick);
  document.addEventListener('submit', onSubmit);
  document.addEventListener('input', onChange);
  document.addEventListener('change', onChange);

  (window as unknown as { lattice: unknown }).lattice = { client, roots };
  // Joins wait for the connection: a join queued before it opens would outlive its reply.
  client.connect();
}

function socketUrl(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="lattice-socket"]');
  const url = new URL(meta?.content || '/socket', location.href);
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  }
  return url.href;
}

const REFRESHED_AT = 'lattice:session-refreshed-at';
/** Another tab refreshed this recently: its new cookies are ours too (one cookie jar). */
const REFRESH_SHARED_MS = 10_000;

/**
 * Called when the server closed the socket with 4401 (the access token expired, or was refused):
 * refreshes the session cookie so the reconnect carries a fresh token. The route is
 * `<meta name="lattice-refresh" content="…">`, by default @lattice/security's `POST /auth/refresh`.
 * Tabs take turns (Web Locks) and skip a refresh another tab just made: refresh tokens rotate,
 * and the same one presented twice ends the session. A refused refresh (the session is over)
 * fires `lattice:session-ended` on window; the page goes on as an anonymous visitor.
 */
async function refreshSession(): Promise<void> {
  const refresh = async () => {
    const last = Number(localStorageItem(REFRESHED_AT));
    if (Date.now() - last < REFRESH_SHARED_MS) return;
    const url = document.querySelector<HTMLMetaElement>('meta[name="lattice-refresh"]')?.content;
    const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]')?.content;
    const response = await fetch(url || '/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      // Needed while the old access cookie is still valid (within the server's clock skew).
      headers: csrf ? { 'x-csrf-token': csrf } : {},
    });
    if (response.ok) {
      localStorageItem(REFRESHED_AT, String(Date.now()));
      return;
    }
    window.dispatchEvent(
      new CustomEvent('lattice:session-ended', { detail: { status: response.status } }),
    );
  };
  if (navigator.locks) await navigator.locks.request('lattice:session-refresh', refresh);
  else await refresh();
}

/** Reads (or writes) localStorage, which may be unavailable (privacy modes, sandboxed frames). */
function localStorageItem(key: string, value?: string): string | null {
  try {
    if (value === undefined) return localStorage.getItem(key);
    localStorage.setItem(key, value);
  } catch {
    // No shared storage: each tab refreshes for itself.
  }
  return null;
}

async function join(root: LiveRoot): Promise<void> {
  if (root.joining || root.refused) return;
  root.joining = true;
  try {
    // A function: each rejoin tells the server what this page has, so it can send only the difference.
    const frame = (await root.channel.join(() => ({
      token: root.el.dataset.lToken,
      n: root.frames,
      known: Object.keys(statics),
    }))) as LiveFrame;
    root.frames = 0;
    root.live = true;
    render(root, frame);
  } catch (error) {
    joinFailed(root, error);
  } finally {
    root.joining = false;
  }
}

function joinFailed(root: LiveRoot, reason: unknown): void {
  const code = (reason as { code?: string } | null)?.code;
  // A lost connection or a late reply is retried on the next open; a refusal is final.
  if (code !== 'disconnected' && code !== 'timeout') root.refused = true;
  fail(root, reason);
}

function render(root: LiveRoot, frame: LiveFrame | null): void {
  if (!frame || (frame.d === undefined && frame.c === undefined)) {
    fail(root, { code: 'bad_frame', message: 'The server sent no rendered tree (`d` or `c`).' });
    return;
  }
  if (frame.t) Object.assign(statics, frame.t);
  // A diff can only apply to a tree; one that outran the join is covered by the join's tree.
  if (!root.tree && !Array.isArray(frame.d)) return;
  try {
    // A whole tree comes with every child component: the old table goes.
    if (Array.isArray(frame.d)) root.components = {};
    if (frame.d !== undefined) root.tree = applyNodeDiff(root.tree as RNode, frame.d);
    if (frame.c) root.components = applyComponentsDiff(root.components, frame.c);
    root.frames++;
    morph(root.el, toHTML(root.tree as RNode, statics, root.components));
  } catch (error) {
    console.error(error);
    fail(root, { code: 'render_failed', message: `Could not apply the server's render: ${error}` });
  }
}

function morph(el: HTMLElement, html: string): void {
  const next = el.cloneNode(false) as HTMLElement;
  next.innerHTML = html;
  morphdom(el, next, {
    childrenOnly: true,
    onBeforeElUpdated(from, to) {
      keepLoadingState(from, to);
      return isFormControl(from) ? keepUserInput(from, to as FormControl) : true;
    },
  });
}

/** Rewrites the server's version of an element in flight so the morph keeps it busy. */
function keepLoadingState(from: Element, to: Element): void {
  const state = busy.get(from);
  if (!state) return;
  // What the server renders now is what the element returns to when the reply arrives.
  state.ariaBusy = to.getAttribute('aria-busy');
  to.setAttribute('aria-busy', 'true');
  if (state.disabled === undefined) return;
  state.disabled = to.hasAttribute('disabled');
  to.setAttribute('disabled', '');
}

/**
 * Keeps what the user typed: in the focused field always, and in a field the user edited unless
 * the server now renders a different value than before (it reset or changed the field).
 */
function keepUserInput(from: FormControl, to: FormControl): boolean {
  if (from instanceof HTMLButtonElement) return true;
  const focused = from === document.activeElement;
  if (from instanceof HTMLSelectElement) {
    if (!focused) return true;
    const chosen = new Set(Array.from(from.selectedOptions, (option) => option.value));
    for (const option of (to as HTMLSelectElement).options) {
      option.selected = chosen.has(option.value);
      option.toggleAttribute('selected', option.selected);
    }
    return true;
  }
  if (!focused && !userEdited(from, to as HTMLInputElement | HTMLTextAreaElement)) return true;
  // Updated by hand: morphdom would write the server's value (and a textarea's text) over it.
  const { value } = from;
  const checked = from instanceof HTMLInputElement && from.checked;
  const selection = focused ? selectionOf(from) : undefined;
  copyAttributes(from, to);
  if (from instanceof HTMLTextAreaElement) {
    from.defaultValue = (to as HTMLTextAreaElement).defaultValue;
  }
  if (from.value !== value) from.value = value;
  if (from instanceof HTMLInputElement) from.checked = checked;
  if (selection) from.setSelectionRange(...selection);
  return false;
}

function userEdited(
  from: HTMLInputElement | HTMLTextAreaElement,
  to: HTMLInputElement | HTMLTextAreaElement,
): boolean {
  if (isCheckable(from)) {
    const toChecked = (to as HTMLInputElement).defaultChecked;
    return from.checked !== from.defaultChecked && toChecked === from.defaultChecked;
  }
  return from.value !== from.defaultValue && to.defaultValue === from.defaultValue;
}

type Selection = [start: number, end: number, direction: 'forward' | 'backward' | 'none'];

function selectionOf(field: HTMLInputElement | HTMLTextAreaElement): Selection | undefined {
  // Null for input types without a selection (number, email, checkbox, …).
  if (field.selectionStart === null || field.selectionEnd === null) return undefined;
  return [field.selectionStart, field.selectionEnd, field.selectionDirection ?? 'none'];
}

function copyAttributes(from: Element, to: Element): void {
  for (const { name } of Array.from(from.attributes)) {
    if (!to.hasAttribute(name)) from.removeAttribute(name);
  }
  for (const { name, value } of Array.from(to.attributes)) {
    if (from.getAttribute(name) !== value) from.setAttribute(name, value);
  }
}

function isFormControl(el: Element): el is FormControl {
  return (
    el instanceof HTMLInputElement ||
    el instanceof HTMLTextAreaElement ||
    el instanceof HTMLSelectElement ||
    el instanceof HTMLButtonElement
  );
}

function isCheckable(el: Element): el is HTMLInputElement {
  return el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
}

function rootOf(el: Element): LiveRoot | undefined {
  const rootEl = el.closest(ROOT);
  return rootEl ? roots.find((root) => root.el === rootEl) : undefined;
}

/** The child component an element is inside (its events go to it), if any. */
function componentOf(el: Element, root: LiveRoot): number | undefined {
  const child = el.closest<HTMLElement>('[data-l-c]');
  return child && root.el.contains(child) ? Number(child.dataset.lC) : undefined;
}

function onClick(event: MouseEvent): void {
  if (!(event.target instanceof Element)) return;
  const el = event.target.closest<HTMLElement>('[data-l-click]');
  const root = el && rootOf(el);
  if (!el || !root) return;
  // A link that runs an event must not also navigate (href="#" and the like).
  if (el instanceof HTMLAnchorElement) event.preventDefault();
  const values: Record<string, string> = {};
  for (const { name, value } of Array.from(el.attributes)) {
    if (name.startsWith(VALUE_PREFIX)) values[name.slice(VALUE_PREFIX.length)] = value;
  }
  void send(root, el, el.dataset.lClick!, values, [el], isFormControl(el) ? [el] : []);
}

function onSubmit(event: SubmitEvent): void {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-l-submit')) return;
  const root = rootOf(form);
  if (!root) return;
  event.preventDefault();
  const values: Record<string, string> = {};
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string') values[name] = value; // files are not sent over the socket
  }
  const submitButtons = Array.from(form.elements).filter(
    (el): el is FormControl => isFormControl(el) && (el as HTMLButtonElement).type === 'submit',
  );
  const triggers = event.submitter ? [form, event.submitter] : [form];
  void send(root, form, form.dataset.lSubmit!, values, triggers, submitButtons);
}

function onChange(event: Event): void {
  const el = event.target;
  if (!(el instanceof Element) || !el.hasAttribute('data-l-change') || !isFormControl(el)) return;
  const root = rootOf(el);
  if (!root) return;
  clearTimeout(debounceTimers.get(el));
  debounceTimers.delete(el);
  const sendValue = () => {
    debounceTimers.delete(el);
    const value = isCheckable(el) ? (el.checked ? el.value : '') : el.value;
    const values = { [el.name]: value };
    // Not disabled while in flight: that would take the focus from a field being typed in.
    void send(root, el, el.dataset.lChange!, values, [el], []);
  };
  // A change is a committed value: sent at once, in place of a pending input.
  if (event.type === 'change') {
    sendValue();
    return;
  }
  const wait = Number(el.dataset.lDebounce ?? INPUT_DEBOUNCE_MS);
  debounceTimers.set(el, setTimeout(sendValue, Number.isFinite(wait) ? wait : INPUT_DEBOUNCE_MS));
}

/**
 * Form recovery: the server mounted afresh on rejoin and does not know what was typed while the
 * connection was down (the page kept it), so each edited `data-l-change` field is sent again.
 */
function recoverInput(root: LiveRoot): void {
  for (const el of root.el.querySelectorAll('[data-l-change]')) {
    if (!isFormControl(el) || !('defaultValue' in el)) continue;
    const edited = isCheckable(el)
      ? el.checked !== el.defaultChecked
      : el.value !== el.defaultValue;
    if (!edited) continue;
    const value = isCheckable(el) ? (el.checked ? el.value : '') : el.value;
    void send(root, el, (el as HTMLElement).dataset.lChange!, { [el.name]: value }, [el], []);
  }
}

async function send(
  root: LiveRoot,
  source: Element,
  name: string,
  values: Record<string, string>,
  triggers: Element[],
  toDisable: FormControl[],
): Promise<void> {
  if (!root.live) {
    fail(root, {
      code: 'disconnected',
      message: `"${name}" was not sent: the page is not connected.`,
    });
    return;
  }
  const marked = [...new Set([...triggers, ...toDisable])];
  for (const el of marked) markBusy(el, toDisable.includes(el as FormControl));
  try {
    const c = componentOf(source, root);
    await root.channel.push(
      'event',
      c === undefined ? { e: name, v: values } : { e: name, v: values, c },
    );
  } catch (error) {
    fail(root, error);
  } finally {
    for (const el of marked) unmarkBusy(el);
  }
}

function markBusy(el: Element, disable: boolean): void {
  let state = busy.get(el);
  if (!state) {
    state = { count: 0, ariaBusy: el.getAttribute('aria-busy'), disabled: undefined };
    busy.set(el, state);
  }
  state.count++;
  el.setAttribute('aria-busy', 'true');
  if (!disable || !isFormControl(el)) return;
  state.disabled ??= el.disabled;
  el.disabled = true;
}

function unmarkBusy(el: Element): void {
  const state = busy.get(el);
  if (!state || --state.count > 0) return;
  busy.delete(el);
  if (state.ariaBusy === null) el.removeAttribute('aria-busy');
  else el.setAttribute('aria-busy', state.ariaBusy);
  if (state.disabled !== undefined) (el as FormControl).disabled = state.disabled;
}

function fail(root: LiveRoot, reason: unknown): void {
  const { code = 'error', message = String(reason) } = (reason ?? {}) as {
    code?: string;
    message?: string;
  };
  console.warn(`Lattice: ${root.topic}: ${code}: ${message}`);
  root.el.dispatchEvent(
    new CustomEvent('lattice:error', { bubbles: true, detail: { code, message } }),
  );
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
