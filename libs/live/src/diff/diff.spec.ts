import { html, repeat, TemplateResult, unsafeHTML } from '../template/html';
import { diffNode, longestIncreasing, newStatics } from './diff';
import { render, renderToString, staticsRegistry } from './render';
import { applyNodeDiff, BUILTIN_STATICS, RNode, StaticsTable, toHTML } from './rendered';

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
});
