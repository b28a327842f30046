import type { LatticeCache } from '@lattice/cache';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { ComponentRegistry, type RegisteredComponent } from './component/component.registry';
import type { LiveContext } from './component/component.service';
import { renderTreeToString } from './component/component-tree';
import { renderToString, withChildHost } from './diff/render';
import { DEFAULT_CACHE_TOKEN } from './live.constants';
import { LIVE_MODULE_OPTIONS, type CheckedLiveOptions } from './live.options';
import { escapeHtml } from './template/escape';
import { html, unsafeHTML, type LiveChild, type TemplateResult } from './template/html';
import type { OnLivePublish } from './session/live-sessions';
import { LayoutManager } from './layout/layout.manager';
import { buildLiveRuntime } from './client/bundle';
import { SessionTokens } from './session/session-token';

// Layout children's placeholders: per process, so page content cannot guess them.
const LAYOUT_NONCE = randomBytes(8).toString('hex');
const LAYOUT_PLACEHOLDER = new RegExp(`\u0000${LAYOUT_NONCE}:(\\d+)\u0000`, 'g');

export interface LivePageOptions {
  title?: string;
  /** Extra markup for <head> (trusted). */
  head?: string;
  /** The `@Layout` to render the page in (and its parents). */
  layout?: string;
  /** Named slots for the layout, besides `content`. */
  slots?: Record<string, TemplateResult | undefined>;
  /** The request path, for layouts that mark the current section. */
  path?: string;
  /** The request's CSRF token, written once as `<meta name="csrf-token">` (see core's CSRF_TOKENS). */
  csrfToken?: string;
}

/** Server-side rendering of live components, for full page loads. */
@Injectable()
export class LiveRenderer {
  constructor(
    private readonly registry: ComponentRegistry,
    private readonly tokens: SessionTokens,
    private readonly layouts: LayoutManager,
    @Inject(LIVE_MODULE_OPTIONS) private readonly options: CheckedLiveOptions,
    /** CacheModule's default store, when the app imports CacheModule: renders are cached in it. */
    @Optional() @Inject(DEFAULT_CACHE_TOKEN) private readonly cache?: LatticeCache,
  ) {}

  /**
   * The component's HTML inside its live root: the page works without JavaScript, and the
   * runtime upgrades it by joining `lv:<session>` with the signed token.
   */
  async component(
    name: string,
    props: unknown,
    identity: LiveContext['identity'] = null,
  ): Promise<string> {
    const component = this.registry.get(name);
    const { token, claims } = this.tokens.issue(name, props);
    const context = { identity, session: claims.sid };
    const renderNow = async () =>
      renderTreeToString(
        this.registry,
        component,
        await component.instance.mount(props, context),
        context,
      );
    const cached = component.options.cache;
    const cache = this.cache;
    // Only anonymous renders are shared: a visitor's own page may show what only they may see.
    const html =
      cached && cache && identity === null
        ? await cache
            .tags(['live', `live:${name}`, ...(cached.tags?.(props as never) ?? [])])
            .wrap(`live:${name}:${hashOf(props)}`, renderNow, cached.ttl)
        : await renderNow();
    return `<div data-l-root data-l-topic="lv:${claims.sid}" data-l-token="${escapeHtml(token)}">${html}</div>`;
  }

  /** Drops cached renders under any of `tags` (`live:<component>` names all of one component). */
  async invalidate(tags: string[]): Promise<void> {
    await this.cache?.tags(tags).flush();
  }

  /** The script tag of the browser runtime (content-hashed, cached for a year). */
  async scriptTag(): Promise<string> {
    const bundle = await buildLiveRuntime();
    return `<script defer src="${this.options.assetsPath}/${bundle.fileName}"></script>`;
  }

  /**
   * The layouts' HTML. Components they place with `live()` are live roots of their own (their
   * own session on the page's socket), or static HTML when they cannot change.
   */
  private async layoutToString(
    body: TemplateResult,
    identity: LiveContext['identity'],
  ): Promise<string> {
    const placed: LiveChild[] = [];
    const markup = withChildHost(
      {
        place: (child) => {
          placed.push(child);
          return `\u0000${LAYOUT_NONCE}:${placed.length - 1}\u0000`;
        },
      },
      () => renderToString(body),
    );
    if (placed.length === 0) return markup;
    const filled = await Promise.all(
      placed.map(async (child) => {
        const component = this.registry.resolve(child.component);
        if (isInteractive(component)) return this.component(component.name, child.props, identity);
        const context: LiveContext = { identity, session: '' };
        const state = await component.instance.mount(child.props, context);
        return renderTreeToString(this.registry, component, state, context);
      }),
    );
    return markup.replace(LAYOUT_PLACEHOLDER, (_, i: string) => filled[Number(i)]);
  }

  /** A whole HTML page around one live component. */
  async page(
    name: string,
    props: unknown,
    page: LivePageOptions = {},
    identity: LiveContext['identity'] = null,
  ): Promise<string> {
    const [root, script] = await Promise.all([
      this.component(name, props, identity),
      this.scriptTag(),
    ]);
    const title = page.title ?? name;
    let body = root;
    let layoutHead = '';
    if (page.layout) {
      const wrapped = this.layouts.wrap(page.layout, html`${unsafeHTML(root)}`, page.slots ?? {}, {
        title,
        path: page.path,
      });
      body = await this.layoutToString(wrapped.body, identity);
      layoutHead = wrapped.head;
    }
    // The document is Lattice's: title, socket address and runtime script appear exactly once.
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><meta name="lattice-socket" content="${escapeHtml(this.options.socketPath)}">${page.csrfToken === undefined ? '' : `<meta name="csrf-token" content="${escapeHtml(page.csrfToken)}">`}${layoutHead}${page.head ?? ''}${script}</head><body>${body}</body></html>`;
  }
}

/**
 * A component a layout places can change only through `@On()` handlers or published topics;
 * one with neither is rendered once, without a session to join.
 */
function isInteractive(component: RegisteredComponent): boolean {
  const hooks = component.instance as unknown as Partial<OnLivePublish>;
  return component.events.size > 0 || typeof hooks.subscriptions === 'function';
}

function hashOf(props: unknown): string {
  return createHash('sha1')
    .update(JSON.stringify(props ?? null))
    .digest('base64url')
    .slice(0, 16);
}
