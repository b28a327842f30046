import {
  applyComponentsDiff,
  applyNodeDiff,
  BUILTIN_STATICS,
  type ComponentsDiff,
  type NodeDiff,
  type RComponents,
  type RNode,
  type StaticsTable,
  toHTML,
} from '@lattice/live';
import { SocketClient, type WebSocketFactory } from '@lattice/socket';
import WebSocket from 'ws';

import { CONDITION_TIMEOUT_MS, waitFor } from './wait';

type Frame = { t?: StaticsTable; d?: NodeDiff | RNode; c?: ComponentsDiff };

/** What the browser runtime does, in Node: join with the token, apply diffs, render HTML. */
export class Page {
  readonly client: SocketClient;
  statics: StaticsTable = { ...BUILTIN_STATICS };
  tree: RNode | undefined;
  components: RComponents = {};
  frames: unknown[] = [];
  /** Frames applied since the last join, as the runtime counts them. */
  applied = 0;
  rejoins: Frame[] = [];
  lastJoin: Frame | undefined;

  constructor(
    base: string,
    readonly topic: string,
    readonly token: string,
    /** Sent with the upgrade, as a browser sends its cookies (or a bearer header). */
    readonly headers?: Record<string, string>,
  ) {
    this.client = new SocketClient(`ws://${base}/socket`, {
      WebSocket: (headers
        ? class extends WebSocket {
            constructor(url: string) {
              super(url, { headers });
            }
          }
        : WebSocket) as unknown as WebSocketFactory,
      timeoutMs: 3000,
    }).connect();
    this.client.channel(topic).on('diff', (frame) => {
      this.frames.push(frame);
      this.apply(frame as Frame);
      this.applied++;
    });
    this.client.channel(topic).on('rejoined', (frame) => {
      this.rejoins.push(frame as Frame);
      this.apply(frame as Frame);
      this.applied = 1;
    });
  }

  /** The same page, its connection now to another node (as a load balancer would send it). */
  moveTo(base: string): Page {
    this.client.close();
    const moved = new Page(base, this.topic, this.token, this.headers);
    Object.assign(moved, { statics: this.statics, tree: this.tree, applied: this.applied });
    return moved;
  }

  static fromHtml(base: string, markup: string, headers?: Record<string, string>): Page {
    const topic = /data-l-topic="([^"]+)"/.exec(markup)![1];
    const token = /data-l-token="([^"]+)"/.exec(markup)![1];
    return new Page(base, topic, token, headers);
  }

  async join(token = this.token): Promise<void> {
    // As the runtime does: each rejoin says how many frames the page applied and which statics it has.
    const frame = (await this.client.channel(this.topic).join(() => ({
      token,
      n: this.applied,
      known: Object.keys(this.statics),
    }))) as Frame;
    this.lastJoin = frame;
    this.apply(frame);
    this.applied = 1;
  }

  /** A first join gets the tree; a rejoin with a matching count gets a diff of what it has. */
  private apply({ t, d, c }: Frame): void {
    Object.assign(this.statics, t);
    if (Array.isArray(d)) this.components = {};
    if (d !== undefined) this.tree = applyNodeDiff(this.tree!, d);
    if (c) this.components = applyComponentsDiff(this.components, c);
  }

  /** The child component id of the first element matching `marker` in the page's HTML. */
  cid(marker: string): number {
    const at = this.html.indexOf(marker);
    const ids = [...this.html.slice(0, at).matchAll(/data-l-c="(\d+)"/g)];
    return Number(ids.at(-1)![1]);
  }

  send(e: string, v: unknown = {}, c?: number): Promise<unknown> {
    return this.client.channel(this.topic).push('event', c === undefined ? { e, v } : { e, v, c });
  }

  get html(): string {
    return toHTML(this.tree!, this.statics, this.components);
  }

  async until(test: (html: string) => boolean, timeoutMs = CONDITION_TIMEOUT_MS): Promise<string> {
    await waitFor(() => this.tree && test(this.html), {
      what: () => `the page to match; last HTML: ${this.tree ? this.html : '(not joined)'}`,
      timeoutMs,
      intervalMs: 10,
    });
    return this.html;
  }
}
