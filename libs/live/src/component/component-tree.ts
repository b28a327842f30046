import { randomBytes } from 'node:crypto';
import { render, renderToString, withChildHost } from '../diff/render';
import { componentHTML, type RComponents, type RNode } from '../diff/rendered';
import { LiveMessages } from '../live.messages';
import type { LiveChild, TemplateResult } from '../template/html';
import type { ComponentRegistry, RegisteredComponent } from './component.registry';
import type { ComponentService, LiveContext, StateHolder } from './component.service';

/** Optional hook of a child component: its parent rendered it with other props. */
export interface OnLiveProps<P = unknown, S = unknown> {
  /** The new state for the new props (without this hook the child is mounted again). */
  onProps(props: P, state: S): S | Promise<S>;
}

/** One mounted component of a page, the root or a child, with its own state. */
export class LiveUnit implements StateHolder<unknown> {
  node: RNode = ['_', ''];
  /** The children its last render placed, by `name:key`. */
  children = new Map<string, LiveUnit>();
  topics: string[] = [];
  dirty = false;
  state: unknown;

  constructor(
    readonly tree: ComponentTree,
    /** 0 for the root; children are numbered in the order they were first placed. */
    readonly cid: number,
    readonly component: RegisteredComponent,
    public propsJson: string,
  ) {}

  changed(): void {
    this.dirty = true;
    this.tree.onChange(this);
  }
}

/**
 * The components of one live page: the root, the children its renders place with `live()`, and
 * theirs. Renders are synchronous; a child met for the first time (or with new props) is mounted
 * after its parent's render, then rendered itself.
 */
export class ComponentTree {
  readonly units = new Map<number, LiveUnit>();
  private nextCid = 1;
  root!: LiveUnit;

  constructor(
    private readonly registry: ComponentRegistry,
    readonly context: LiveContext,
    readonly onChange: (unit: LiveUnit) => void,
    /** Told when a unit leaves the page (to stop following its topics). */
    private readonly onRemove: (unit: LiveUnit) => void = () => undefined,
  ) {}

  /** Mounts and renders the root and every child it places. */
  async mount(component: RegisteredComponent, props: unknown): Promise<void> {
    this.root = new LiveUnit(this, 0, component, JSON.stringify(props ?? null));
    this.root.state = await component.instance.mount(props, this.context);
    await this.render(this.root);
  }

  /** Renders `unit` again, mounting the children it places for the first time. */
  async render(unit: LiveUnit): Promise<void> {
    unit.dirty = false;
    const placed = new Map<string, LiveUnit>();
    const pending: Array<{ unit: LiveUnit; props: unknown; fresh: boolean }> = [];
    unit.node = withChildHost(
      {
        place: (child) => {
          const component = this.registry.resolve(child.component);
          const key = childKey(unit, component, child, placed);
          const json = JSON.stringify(child.props ?? null);
          let existing = unit.children.get(key);
          if (!existing) {
            existing = new LiveUnit(this, this.nextCid++, component, json);
            this.units.set(existing.cid, existing);
            pending.push({ unit: existing, props: child.props, fresh: true });
          } else if (existing.propsJson !== json) {
            existing.propsJson = json;
            pending.push({ unit: existing, props: child.props, fresh: false });
          }
          placed.set(key, existing);
          return existing.cid;
        },
      },
      () => render(templateOf(unit.component, unit.state, unit.cid > 0)),
    );
    for (const [key, child] of unit.children) if (!placed.has(key)) this.remove(child);
    unit.children = placed;
    // One after another: ids then follow render order on every node, so a rejoin elsewhere matches.
    for (const next of pending) {
      const instance = next.unit.component.instance as ComponentService<unknown, unknown> &
        Partial<OnLiveProps>;
      next.unit.state =
        !next.fresh && instance.onProps
          ? await instance.onProps(next.props, next.unit.state)
          : await instance.mount(next.props, this.context);
      await this.render(next.unit);
    }
  }

  /** The child components' nodes, by id, as the page has them after this render. */
  components(): RComponents {
    const out: RComponents = {};
    for (const [cid, unit] of this.units) out[cid] = unit.node;
    return out;
  }

  /** Every unit of the page, the root first. */
  all(): LiveUnit[] {
    return [this.root, ...this.units.values()];
  }

  private remove(unit: LiveUnit): void {
    this.units.delete(unit.cid);
    this.onRemove(unit);
    for (const child of unit.children.values()) this.remove(child);
  }
}

/**
 * A component's server-side HTML with its children mounted and rendered in place, for first
 * paints. Children take placeholders during the (synchronous) render, filled in afterwards; ids
 * are numbered as a session numbers them.
 */
export async function renderTreeToString(
  registry: ComponentRegistry,
  component: RegisteredComponent,
  state: unknown,
  context: LiveContext,
  ids = { next: 1 },
  isChild = false,
): Promise<string> {
  const children: Array<{ cid: number; child: LiveChild; component: RegisteredComponent }> = [];
  const placed = new Map<string, unknown>();
  let nonce = '';
  const html = withChildHost(
    {
      place: (child) => {
        const resolved = registry.resolve(child.component);
        placed.set(childKey(component, resolved, child, placed), true);
        nonce ||= randomBytes(6).toString('hex');
        const cid = ids.next++;
        children.push({ cid, child, component: resolved });
        return `\u0000${nonce}:${cid}\u0000`;
      },
    },
    () => renderToString(templateOf(component, state, isChild)),
  );
  if (children.length === 0) return html;
  const filled = new Map<string, string>();
  for (const { cid, child, component: resolved } of children) {
    const childState = await resolved.instance.mount(child.props, context);
    const inner = await renderTreeToString(registry, resolved, childState, context, ids, true);
    filled.set(String(cid), componentHTML(inner, cid));
  }
  return html.replace(new RegExp(`\u0000${nonce}:(\\d+)\u0000`, 'g'), (_, cid: string) =>
    filled.get(cid)!,
  );
}

function templateOf(
  component: RegisteredComponent,
  state: unknown,
  isChild: boolean,
): TemplateResult {
  const template = component.instance.render(state);
  if (isChild && !/^\s*<[a-zA-Z]/.test(template.template.statics[0]))
    throw LiveMessages.childWithoutRoot(component.name);
  return template;
}

function childKey(
  parent: LiveUnit | RegisteredComponent,
  component: RegisteredComponent,
  child: LiveChild,
  placed: Map<string, unknown>,
): string {
  const key = `${component.name}:${child.key ?? ''}`;
  if (placed.has(key)) {
    const parentName = parent instanceof LiveUnit ? parent.component.name : parent.name;
    throw LiveMessages.childDuplicate(component.name, child.key, parentName);
  }
  return key;
}
