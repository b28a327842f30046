import { html, live, LiveChild, repeat, TemplateResult, unsafeHTML } from '../template/html';
import { diffComponents, diffNode, longestIncreasing, newStatics } from './diff';
import { render, renderToString, staticsRegistry, withChildHost } from './render';
import {
  applyComponentsDiff,
  applyNodeDiff,
  BUILTIN_STATICS,
  RComponents,
  RNode,
  StaticsTable,
  toHTML,
} from './rendered';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed from its seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: T[]) => xs[Math.floor(next() * xs.length)],
  };
}

interface Item {
  id: number;
  title: string;
  score: number;
  hot: boolean;
}
interface State {
  heading: string;
  cls: string;
  url: string;
  showBanner: boolean;
  items: Item[];
  tags: string[];
  mode: 'list' | 'grid';
}

const WORDS = [
  'nest',
  '<b>',
  'a&b',
  '"q"',
  "it's",
  'live',
  'diff',
  '',
  'ünïcode ✓',
  'javascript:x',
];

const row = (item: Item) =>
  html`<li id="q${item.id}" class="${item.hot ? 'hot' : ''}">
    <span>${item.title}</span> <b>${item.score}</b>${item.hot ? html`<em>hot</em>` : null}
  </li>`;

function view(s: State): TemplateResult {
  const body =
    s.mode === 'list'
      ? html`<ul>
          ${repeat(s.items, (i) => i.id, row)}
        </ul>`
      : html`<div class="grid">
          ${repeat(
            s.items,
            (i) => `g${i.id}`,
            (i) => html`<p>${i.title}:${i.score}</p>`,
          )}
        </div>`;
  return html`<main class="${s.cls}">
    <h1>${s.heading}</h1>
    ${s.showBanner ? html`<p class="banner"><a href="${s.url}">news</a></p>` : ''}${body}
    <footer>${s.tags.map((t) => html`<i>${t}</i>`)} ${s.tags.length}</footer>
    ${unsafeHTML('<hr>')}
  </main>`;
}

function randomState(r: ReturnType<typeof prng>, previous?: State): State {
  let items = previous ? previous.items.map((i) => ({ ...i })) : [];
  let nextId = Math.max(0, ...items.map((i) => i.id)) + 1;
  const edits = previous ? r.int(4) : 0;
  if (!previous)
    for (let n = r.int(8); n > 0; n--)
      items.push({ id: nextId++, title: r.pick(WORDS), score: r.int(20), hot: r.next() < 0.3 });
  for (let e = 0; e < edits; e++) {
    const op = r.int(6);
    if (op === 0)
      items.splice(r.int(items.length + 1), 0, {
        id: nextId++,
        title: r.pick(WORDS),
        score: r.int(20),
        hot: r.next() < 0.3,
      });
    else if (op === 1 && items.length) items.splice(r.int(items.length), 1);
    else if (op === 2 && items.length > 1) {
      const [moved] = items.splice(r.int(items.length), 1);
      items.splice(r.int(items.length + 1), 0, moved);
    } else if (op === 3 && items.length) items[r.int(items.length)].score += 1;
    else if (op === 4 && items.length)
      items[r.int(items.length)].hot = !items[r.int(items.length)].hot;
    else if (op === 5) items = items.reverse();
  }
  return {
    heading: previous && r.next() < 0.7 ? previous.heading : r.pick(WORDS),
    cls: r.pick(['a', 'b', '"><script>alert(1)</script>']),
    url: r.pick([
      '/q/1',
      'https://example.com/?a=1&b=2',
      'javascript:alert(1)',
      ' JaVaScRiPt:alert(1)',
    ]),
    showBanner: r.next() < 0.5,
    items,
    tags:
      previous && r.next() < 0.6
        ? previous.tags
        : Array.from({ length: r.int(4) }, () => r.pick(WORDS)),
    mode: previous && r.next() < 0.9 ? previous.mode : r.pick(['list', 'grid']),
  };
}

describe('diffs', () => {
  it('applying every diff to the client’s tree gives exactly the full render (2,000 generated steps)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = prng(seed);
      let state = randomState(r);
      let server = render(view(state));
      const known = new Set<string>();
      const client: StaticsTable = { ...BUILTIN_STATICS };
      // The join: the full tree, with the statics it uses.
      Object.assign(client, newStatics(server, staticsRegistry, known));
      let tree = JSON.parse(JSON.stringify(server)) as RNode;
      expect(toHTML(tree, client)).toBe(renderToString(view(state)));
      for (let step = 0; step < 20; step++) {
        state = randomState(r, state);
        const next = render(view(state));
        const diff = diffNode(server, next);
        if (diff !== undefined) {
          Object.assign(client, newStatics(diff, staticsRegistry, known));
          // Over the wire: JSON both ways.
          tree = applyNodeDiff(tree, JSON.parse(JSON.stringify(diff)));
        }
        const expected = renderToString(view(state));
        if (toHTML(tree, client) !== expected) {
          throw new Error(
            `seed ${seed}, step ${step}: client HTML differs\n${toHTML(tree, client)}\n${expected}`,
          );
        }
        server = next;
      }
    }
  });

  it('sends nothing when nothing changed, and only the changed value otherwise', () => {
    const page = (n: number, title: string) =>
      html`<p>${title}</p>
        <b>${n}</b>`;
    const before = render(page(1, 'same'));
    expect(diffNode(before, render(page(1, 'same')))).toBeUndefined();
    expect(diffNode(before, render(page(2, 'same')))).toEqual({ 1: '2' });
  });

  it('changes one item of a 300-row keyed list in a few dozen bytes', () => {
    const items = Array.from({ length: 300 }, (_, i) => ({
      id: i + 1,
      title: `Question ${i + 1}`,
      score: i % 7,
      hot: false,
    }));
    const list = (xs: Item[]) =>
      html`<ul>
        ${repeat(xs, (i) => i.id, row)}
      </ul>`;
    const before = render(list(items));
    const after = render(list(items.map((i) => (i.id === 150 ? { ...i, score: i.score + 1 } : i))));
    const diff = diffNode(before, after);
    expect(diff).toEqual({ 0: { u: { 150: { 3: '3' } } } });
    expect(JSON.stringify(diff).length).toBeLessThan(40);
  });

  it('moves the fewest items: the longest run that kept its order stays put', () => {
    expect(longestIncreasing([0, 8, 4, 12, 2, 10, 6, 14, 1, 9])).toHaveLength(4);
    const list = (ids: number[]) =>
      html`<ol>
        ${repeat(
          ids,
          (i) => i,
          (i) => html`<li>${i}</li>`,
        )}
      </ol>`;
    const diff = diffNode(render(list([1, 2, 3, 4, 5])), render(list([2, 3, 4, 5, 1])));
    expect(diff).toEqual({ 0: { i: [['1', 4]] } });
  });

  it('sends each template’s statics once per connection', () => {
    const known = new Set<string>();
    const first = render(html`<p>${'a'}</p>`);
    expect(Object.values(newStatics(first, staticsRegistry, known) ?? {})).toEqual([
      ['<p>', '</p>'],
    ]);
    expect(newStatics(render(html`<p>${'a'}</p>`), staticsRegistry, known)).toBeUndefined();
  });

  describe('child components', () => {
    /** A tile child: its props (a title) and its own state (clicks). */
    const tile = (title: string, clicks: number) =>
      html`<article><h3>${title}</h3><b>${clicks}</b></article>`;
    interface Page {
      heading: string;
      tiles: Array<{ id: number; title: string }>;
      clicks: Record<number, number>;
    }
    const pageView = (p: Page) =>
      html`<main><h1>${p.heading}</h1>${repeat(
        p.tiles,
        (t) => t.id,
        (t) => html`<div>${live('tile', { id: t.id, title: t.title }, { key: t.id })}</div>`,
      )}</main>`;

    /** What a live session does, reduced: ids by key, each child's node rendered from its state. */
    function serverRender(p: Page, ids: Map<string, number>, next: { cid: number }) {
      const components: RComponents = {};
      const tree = withChildHost(
        {
          place: (child: LiveChild) => {
            const { id, title } = child.props as { id: number; title: string };
            let cid = ids.get(child.key!);
            if (cid === undefined) ids.set(child.key!, (cid = next.cid++));
            components[cid] = render(tile(title, p.clicks[id] ?? 0));
            return cid;
          },
        },
        () => render(pageView(p)),
      );
      return { tree, components };
    }
    /** The expected HTML, built without trees: each child's HTML in place. */
    const expectedHtml = (p: Page, ids: Map<string, number>) =>
      withChildHost(
        {
          place: (child: LiveChild) => {
            const { id, title } = child.props as { id: number; title: string };
            const cid = ids.get(child.key!)!;
            return renderToString(tile(title, p.clicks[id] ?? 0)).replace(
              '<article>',
              `<article data-l-c="${cid}">`,
            );
          },
        },
        () => renderToString(pageView(p)),
      );

    it('applying root and component diffs gives the full render (1,000 generated steps)', () => {
      for (let seed = 1; seed <= 50; seed++) {
        const r = prng(seed);
        let nextId = 1;
        let p: Page = { heading: 'h', tiles: [], clicks: {} };
        const ids = new Map<string, number>();
        const next = { cid: 1 };
        let server = serverRender(p, ids, next);
        const known = new Set<string>();
        const statics: StaticsTable = { ...BUILTIN_STATICS };
        Object.assign(statics, newStatics(server.tree, staticsRegistry, known));
        Object.assign(statics, newStatics(server.components, staticsRegistry, known));
        let tree = server.tree;
        let components = server.components;
        for (let step = 0; step < 20; step++) {
          const op = r.int(5);
          const tiles = [...p.tiles];
          if (op === 0)
            tiles.splice(r.int(tiles.length + 1), 0, { id: nextId++, title: r.pick(WORDS) });
          else if (op === 1 && tiles.length) tiles.splice(r.int(tiles.length), 1);
          else if (op === 2 && tiles.length) {
            const at = r.int(tiles.length);
            tiles[at] = { ...tiles[at], title: r.pick(WORDS) };
          } else if (op === 3 && tiles.length) {
            const id = tiles[r.int(tiles.length)].id;
            p = { ...p, clicks: { ...p.clicks, [id]: (p.clicks[id] ?? 0) + 1 } };
          } else p = { ...p, heading: r.pick(WORDS) };
          p = { ...p, tiles };
          for (const key of [...ids.keys()])
            if (!tiles.some((t) => String(t.id) === key)) ids.delete(key);
          const after = serverRender(p, ids, next);
          const d = diffNode(server.tree, after.tree);
          const c = diffComponents(server.components, after.components);
          const wire = JSON.parse(JSON.stringify({ d, c })) as { d?: RNode; c?: RComponents };
          if (d) Object.assign(statics, newStatics(d, staticsRegistry, known));
          if (c) Object.assign(statics, newStatics(c, staticsRegistry, known));
          if (wire.d) tree = applyNodeDiff(tree, wire.d);
          if (wire.c) components = applyComponentsDiff(components, wire.c);
          expect(Object.keys(components).sort()).toEqual(Object.keys(after.components).sort());
          const got = toHTML(tree, statics, components);
          if (got !== expectedHtml(p, ids))
            throw new Error(
              `seed ${seed}, step ${step}: client HTML differs\n${got}\n${expectedHtml(p, ids)}`,
            );
          server = after;
        }
      }
    });

    it('a change inside one child is that child’s diff alone; the parent’s tree holds only its id', () => {
      const ids = new Map<string, number>();
      const next = { cid: 1 };
      const p: Page = {
        heading: 'h',
        tiles: [
          { id: 1, title: 'a' },
          { id: 2, title: 'b' },
        ],
        clicks: {},
      };
      const before = serverRender(p, ids, next);
      expect(before.tree[2]).toEqual({
        k: ['1', '2'],
        n: [
          [expect.any(String), 1],
          [expect.any(String), 2],
        ],
      });
      const after = serverRender({ ...p, clicks: { 2: 1 } }, ids, next);
      expect(diffNode(before.tree, after.tree)).toBeUndefined();
      expect(diffComponents(before.components, after.components)).toEqual({ 2: { 1: '1' } });
      const { 1: _kept, ...rest } = after.components;
      expect(diffComponents(after.components, rest)).toEqual({ 1: null });
    });

    it('is refused outside a live render and as an attribute value', () => {
      expect(() => render(html`<p>${live('tile', {})}</p>`)).toThrow(
        /live\("tile"\) was rendered outside/,
      );
      expect(() =>
        withChildHost({ place: () => 1 }, () => render(html`<p title="${live('tile', {})}"></p>`)),
      ).toThrow(/template, list or unsafeHTML\(\) was given as the value of attribute title/);
    });
  });
});
