import { CacheModule, CacheRegistry, DEFAULT_CACHE_STORE } from '@lattice/cache';
import { LatticeModule } from '@lattice/core';
import {
  ComponentsDiff,
  html,
  ComponentRegistry,
  LiveModule,
  LiveRenderer,
  LiveUpdates,
  NodeDiff,
  RNode,
  SessionTokens,
  StaticsTable,
} from '@lattice/live';
import { SocketManager, SocketModule } from '@lattice/socket';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import WebSocket from 'ws';
import { describeWith } from '../../support/describe-with';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { Page } from '../../support/live-page';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import {
  Badge,
  CachedNews,
  Counter,
  LAYOUTS,
  Panel,
  Tally,
  VoteBoard,
} from './fixtures/components';

type Frame = { t?: StaticsTable; d?: NodeDiff | RNode; c?: ComponentsDiff };

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

async function boot(
  env: Record<string, string> = {},
): Promise<{ app: INestApplication; base: string }> {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot(),
      LiveModule.forRoot({ secret: SECRET }),
      CacheModule.forRoot({ tagCleanupIntervalMs: 0 }),
    ],
    providers: [Counter, VoteBoard, CachedNews, Panel, Tally, Badge, ...LAYOUTS],
  })
  class LiveTestModule {}
  const app = await NestFactory.create(LiveTestModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, base: `127.0.0.1:${port}` };
}

describe('live sessions over the socket', () => {
  let app: INestApplication;
  let base: string;
  const pages: Page[] = [];
  const open = async (name: string, props: unknown) => {
    const markup = await app.get(LiveRenderer).component(name, props);
    const page = Page.fromHtml(base, markup);
    pages.push(page);
    return { page, markup };
  };

  beforeAll(async () => {
    ({ app, base } = await boot());
  });
  afterEach(() => pages.splice(0).forEach((p) => p.client.close()));
  afterAll(() => app?.close());

  it('renders on the server, joins with the token, and the joined tree is the same HTML', async () => {
    const { page, markup } = await open('counter', { start: 5 });
    expect(markup).toContain('<b>5</b>');
    await page.join();
    expect(markup).toContain(`>${page.html}</div>`);
  });

  it('sends a diff of only what changed after an event, before the event’s reply', async () => {
    const { page } = await open('counter', { start: 1 });
    await page.join();
    await page.send('inc');
    expect(page.html).toContain('<b>2</b>'); // the diff arrived before the reply resolved
    expect(page.frames.at(-1)).toEqual({ d: { 0: '2' } });
    await page.send('add', { by: '40' }); // values from the page are strings; the schema coerces
    expect(page.html).toContain('<b>42</b>');
  });

  it('coalesces several changes in one handler into one frame', async () => {
    const { page } = await open('counter', { start: 0 });
    await page.join();
    const before = page.frames.length;
    await page.send('triple');
    expect(page.frames.length - before).toBe(1);
    expect(page.frames.at(-1)).toEqual({ d: { 0: '3', 1: 'tripled' } });
  });

  it('answers an undeclared event or an invalid payload with an error and changes nothing', async () => {
    const { page } = await open('counter', { start: 7 });
    await page.join();
    await expect(page.send('explode')).rejects.toMatchObject({
      code: 'LATTICE_LIVE_EVENT_UNKNOWN',
      message: expect.stringContaining('It handles: add, inc, triple'),
    });
    await expect(page.send('add', { by: 'lots' })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_EVENT_INVALID',
      message: expect.stringContaining('by:'),
    });
    await expect(page.send('add', { by: 1000 })).rejects.toMatchObject({
      code: 'LATTICE_LIVE_EVENT_INVALID',
    });
    // A valid event as the sentinel: once its frame is in, any frame the refused ones caused
    // would have come first.
    await page.send('add', { by: 1 });
    await page.until((h) => h.includes('<b>8</b>'));
    expect(page.frames).toHaveLength(1);
  });

  it('refuses a tampered, expired or foreign token, and a mount that refuses access', async () => {
    const { page } = await open('counter', { start: 1 });
    const [body, signature] = page.token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, p: { start: 1000 } })).toString(
      'base64url',
    );
    await expect(page.join(`${forged}.${signature}`)).rejects.toMatchObject({
      code: 'LATTICE_LIVE_TOKEN_INVALID',
      message: expect.stringContaining('signature does not match'),
    });
    const expired = new SessionTokens(SECRET, -10).issue('counter', { start: 1 }).token;
    await expect(page.join(expired)).rejects.toMatchObject({
      message: expect.stringContaining('expired'),
    });
    const other = app.get(SessionTokens).issue('counter', { start: 1 }).token;
    await expect(page.join(other)).rejects.toMatchObject({
      message: expect.stringContaining('another page'),
    });
    const negative = app.get(SessionTokens).issue('counter', { start: -1 });
    const refused = new Page(base, `lv:${negative.claims.sid}`, negative.token);
    pages.push(refused);
    await expect(refused.join()).rejects.toMatchObject({
      code: 'http_403',
      message: 'Negative counters are not allowed.',
    });
  });

  it('after a dropped connection, a rejoin gets only what differs from the page’s last render', async () => {
    const { page } = await open('counter', { start: 1 });
    await page.join();
    await page.send('inc');
    await page.send('inc');
    expect(page.html).toContain('<b>3</b>');
    const drop = () => {
      const manager = app.get(SocketManager) as unknown as {
        connections: Set<{ id: string; ws: WebSocket }>;
      };
      for (const c of manager.connections) if (c.id === page.client.connectionId) c.ws.terminate();
    };
    drop();
    await page.until(() => page.rejoins.length === 1);
    // Mounted again from its props (count 1): one value changes, no statics are resent.
    expect(page.rejoins[0]).toEqual({ t: {}, d: { 0: '1' } });
    expect(page.html).toContain('<b>1</b>');

    // A page that missed a frame gets the whole tree instead.
    await page.send('inc');
    page.applied -= 1;
    drop();
    await page.until(() => page.rejoins.length === 2);
    expect(Array.isArray(page.rejoins[1].d)).toBe(true);
    expect(page.rejoins[1].t).toEqual({});
    expect(page.html).toContain('<b>1</b>');
  });

  it('caches anonymous server renders by props until their tag is flushed; each page still gets its own session', async () => {
    const renderer = app.get(LiveRenderer);
    const first = await renderer.component('cached-news', { section: 'a' });
    const second = await renderer.component('cached-news', { section: 'a' });
    expect(first).toContain('<p>a #1</p>');
    expect(second).toContain('<p>a #1</p>'); // served from the cache: no mount
    expect(/data-l-token="([^"]+)"/.exec(first)![1]).not.toBe(
      /data-l-token="([^"]+)"/.exec(second)![1],
    );
    expect(await renderer.component('cached-news', { section: 'b' })).toContain('<p>b #2</p>');
    expect(await renderer.component('cached-news', { section: 'a' }, { id: 'ada' })).toContain(
      '<p>a #3</p>',
    ); // a visitor's own render is never shared
    await renderer.invalidate(['news:a']);
    expect(await renderer.component('cached-news', { section: 'a' })).toContain('<p>a #4</p>');
    expect(await renderer.component('cached-news', { section: 'b' })).toContain('<p>b #2</p>');
    expect(app.get(CachedNews).mounts).toBe(4);
  });

  describe('child components', () => {
    const tallyText = (html: string) =>
      [...html.matchAll(/>(\w+): <b>(\d+)<\/b>/g)].map((m) => `${m[1]}=${m[2]}`);

    it('renders children in the first paint and the join, each root element carrying its id', async () => {
      const { page, markup } = await open('panel', { labels: ['a', 'b'] });
      await page.join();
      expect(tallyText(page.html)).toEqual(['a=0', 'b=0']);
      expect(page.html).toMatch(
        /<div><p data-l-c="1" class="tally">a: .*<div><p data-l-c="2" class="tally">b: /,
      );
      expect(markup).toContain(`>${page.html}</div>`); // server render = joined tree
      expect(page.lastJoin!.c).toEqual({ 1: expect.any(Array), 2: expect.any(Array) });
    });

    it('routes a child’s event to it and sends only that child’s diff', async () => {
      const { page } = await open('panel', { labels: ['a', 'b'] });
      await page.join();
      await page.send('inc', {}, page.cid('>b: '));
      expect(page.frames.at(-1)).toEqual({ c: { [page.cid('>b: ')]: { 1: '1' } } });
      expect(tallyText(page.html)).toEqual(['a=0', 'b=1']);
      // The parent's events stay the parent's, and its change leaves the children out.
      await page.send('rename', { title: 'Scores' });
      expect(page.frames.at(-1)).toEqual({ d: { 0: 'Scores' } });
      expect(tallyText(page.html)).toEqual(['a=0', 'b=1']);
      await expect(page.send('rename', { title: 'x' }, 1)).rejects.toMatchObject({
        code: 'LATTICE_LIVE_EVENT_UNKNOWN',
        message: expect.stringContaining(
          'Component "tally" has no handler for event "rename". It handles: inc',
        ),
      });
    });

    it('mounts a child the parent adds, gives new props to onProps, and drops a removed one', async () => {
      const { page } = await open('panel', { labels: ['a', 'b'] });
      await page.join();
      const mounts = app.get(Tally).mounts;
      await page.send('add', { label: 'c' });
      const added = page.frames.at(-1) as Frame;
      expect(added.d).toEqual({ 1: { i: [['3', 2, [expect.any(String), 3]]] } });
      expect(added.c).toEqual({ 3: expect.any(Array) });
      expect(tallyText(page.html)).toEqual(['a=0', 'b=0', 'c=0']);
      expect(app.get(Tally).mounts).toBe(mounts + 1);

      await page.send('inc', {}, 1);
      await page.send('relabel', { id: 1, label: 'z' });
      expect(page.frames.at(-1)).toEqual({ c: { 1: { 0: 'z' } } }); // count kept, no mount
      expect(tallyText(page.html)).toEqual(['z=1', 'b=0', 'c=0']);
      expect(app.get(Tally).mounts).toBe(mounts + 1);

      await page.send('remove', { id: 2 });
      expect(page.frames.at(-1)).toEqual({ d: { 1: { r: ['2'] } }, c: { 2: null } });
      expect(tallyText(page.html)).toEqual(['z=1', 'c=0']);
      await expect(page.send('inc', {}, 2)).rejects.toMatchObject({
        code: 'LATTICE_LIVE_CHILD_GONE',
      });
    });

    it('a publish to a topic a child follows updates that child alone', async () => {
      const { page } = await open('panel', { labels: ['p1', 'p2'] });
      await page.join();
      await app.get(LiveUpdates).publish('tally:p2', {});
      await page.until((h) => tallyText(h).join() === 'p1=0,p2=10');
      expect(page.frames.at(-1)).toEqual({ c: { 2: { 1: '10' } } });
    });

    it('a rejoin sends only what differs in the children too', async () => {
      const { page } = await open('panel', { labels: ['a', 'b'] });
      await page.join();
      await page.send('inc', {}, 2);
      const manager = app.get(SocketManager) as unknown as {
        connections: Set<{ id: string; ws: WebSocket }>;
      };
      for (const c of manager.connections) if (c.id === page.client.connectionId) c.ws.terminate();
      await page.until(() => page.rejoins.length === 1);
      // Mounted afresh: child 2's count is back to 0; the root and child 1 did not change.
      expect(page.rejoins[0]).toEqual({ t: {}, d: {}, c: { 2: { 1: '0' } } });
      expect(tallyText(page.html)).toEqual(['a=0', 'b=0']);
    });
  });

  it('names the closest component when a name is unknown', () => {
    expect(() => app.get(ComponentRegistry).get('countr')).toThrow(
      /Did you mean "counter"\? Registered: badge, board, cached-news, counter, panel, tally/,
    );
  });

  it('updates every page following a published topic, with a keyed diff of one item', async () => {
    const a = (await open('board', { board: 'x' })).page;
    const b = (await open('board', { board: 'x' })).page;
    const elsewhere = (await open('board', { board: 'y' })).page;
    await Promise.all([a.join(), b.join(), elsewhere.join()]);
    await app.get(LiveUpdates).publish('board:x', { id: 2 });
    await a.until((h) => h.includes('Item &lt;2&gt;</span> <b>1</b>'));
    await b.until((h) => h.includes('Item &lt;2&gt;</span> <b>1</b>'));
    expect(a.frames.at(-1)).toEqual({ d: { 0: { u: { 2: { 1: '1' } } } } });
    // The sentinel: board y's own update; had it heard board x's, that frame would be first.
    await app.get(LiveUpdates).publish('board:y', { id: 2 });
    await waitFor(() => elsewhere.frames.length > 0, { what: 'board y to update' });
    expect(elsewhere.frames).toEqual([{ d: { 0: { u: { 2: { 1: '1' } } } } }]);
  });

  it('renders a page through nested layouts, with the document parts once', async () => {
    const page = await app
      .get(LiveRenderer)
      .page(
        'counter',
        { start: 3 },
        { title: 'Count <me>', layout: 'inner', slots: { aside: html`<em>${'side & note'}</em>` } },
      );
    expect(page).toMatch(
      /^<!doctype html><html lang="en"><head>.*<title>Count &lt;me&gt;<\/title>/,
    );
    expect(page.match(/<script defer src="\/lattice\/live\.[\w-]+\.js"><\/script>/g)).toHaveLength(
      1,
    );
    expect(page).toContain('<style>.outer{}</style>');
    expect(page).toMatch(
      /<body><div class="outer"><h1>Count &lt;me&gt;<\/h1><section class="inner"><div data-l-root [^>]+><div class="counter">.*<b>3<\/b>.*<\/div><\/div><aside><em>side &amp; note<\/em><\/aside><\/section><\/div><\/body>/,
    );
    await expect(
      app.get(LiveRenderer).page('counter', { start: 1 }, { layout: 'nope' }),
    ).rejects.toMatchObject({
      code: 'LATTICE_LIVE_LAYOUT_UNKNOWN',
      message: expect.stringContaining('Registered: inner, outer, with-parts'),
    });
  });

  it('renders components a layout places: static ones once, interactive ones as live roots of their own', async () => {
    const markup = await app
      .get(LiveRenderer)
      .page('counter', { start: 2 }, { layout: 'with-parts' });
    expect(markup).toContain('<header><span class="badge">B&lt;1&gt;</span></header>');
    const roots = [
      ...markup.matchAll(/<div data-l-root data-l-topic="([^"]+)" data-l-token="([^"]+)">/g),
    ];
    expect(roots).toHaveLength(2); // the page and the tally, each with its session
    expect(markup).toMatch(/<aside><div data-l-root [^>]+><p class="tally">side: <b>0<\/b>/);
    const side = new Page(base, roots[1][1], roots[1][2]);
    pages.push(side);
    await side.join();
    await side.send('inc');
    expect(side.html).toContain('side: <b>1</b>');
  });

  it('serves the runtime script under its content hash with a year of caching', async () => {
    const tag = await app.get(LiveRenderer).scriptTag();
    const src = /src="([^"]+)"/.exec(tag)![1];
    const response = await fetch(`http://${base}${src}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await response.text()).length).toBeGreaterThan(1000);
    expect((await fetch(`http://${base}/lattice/live.nothere.js`)).status).toBe(404);
  });
});

describeWith(['redis'], 'live sessions across two processes on one Redis', () => {
  it(
    'a publish on one node updates a page connected to the other',
    async () => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('live') };
      const other = new TsProcess('test/integration/live/fixtures/live-node.ts', {
        ...env,
        LIVE_SECRET: SECRET,
        LOG_LEVEL: 'error',
      });
      const { app } = await boot(env);
      try {
        const [, port] = await other.waitFor(/listening (\d+)/, PROCESS_START_MS);
        // The other node subscribes to publishes in the background after it starts listening:
        // publish to a probe page there until it updates, then test.
        const probe = Page.fromHtml(
          `127.0.0.1:${port}`,
          await app.get(LiveRenderer).component('board', { board: 'probe' }),
        );
        await probe.join();
        await waitFor(
          async () => {
            await app.get(LiveUpdates).publish('board:probe', { id: 1 });
            return probe.frames.length > 0;
          },
          { what: 'the other node to hear this one', intervalMs: 200 },
        );
        probe.client.close();
        // Rendered here, joined there: the token is signed with the shared secret.
        const markup = await app.get(LiveRenderer).component('board', { board: 'shared' });
        const page = Page.fromHtml(`127.0.0.1:${port}`, markup);
        await page.join();
        await app.get(LiveUpdates).publish('board:shared', { id: 3 });
        await page.until((h) => h.includes('Item &lt;3&gt;</span> <b>1</b>'));
        page.client.close();
      } finally {
        await other.stop();
        await app.close();
      }
    },
    PROCESS_TEST_MS,
  );

  describe('a rejoin on the other node gets only the difference', () => {
    let other: TsProcess;
    let app: INestApplication;
    let port: string;
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('live-rejoin') };

    beforeEach(async () => {
      other = new TsProcess('test/integration/live/fixtures/live-node.ts', {
        ...env,
        LIVE_SECRET: SECRET,
        LOG_LEVEL: 'error',
      });
      ({ app } = await boot(env));
      [, port] = await other.waitFor(/listening (\d+)/, PROCESS_START_MS);
    }, PROCESS_TEST_MS);
    afterEach(async () => {
      await other.stop();
      await app.close();
    });

    /** Rendered here (B), joined on the other node (A), two frames applied there. */
    async function pageOnOtherNode(): Promise<Page> {
      const markup = await app.get(LiveRenderer).component('counter', { start: 1 });
      const page = Page.fromHtml(`127.0.0.1:${port}`, markup);
      await page.join();
      await page.send('inc');
      await page.send('triple');
      expect(page.html).toContain('<b>5</b><i>tripled</i>');
      expect(page.applied).toBe(3);
      return page;
    }

    const lastRender = (page: Page) =>
      app
        .get(CacheRegistry)
        .get(DEFAULT_CACHE_STORE)
        .get(`live:last:${page.topic.slice(3)}`);

    it(
      'after the page left A, B answers the rejoin with a diff and no statics',
      async () => {
        const onA = await pageOnOtherNode();
        onA.client.close();
        await waitFor(() => lastRender(onA), { what: 'A to keep the last render in Redis' });
        const onB = onA.moveTo(`127.0.0.1:${app.getHttpServer().address().port}`);
        const before = onB.html;
        await onB.join();
        const reply = onB.lastJoin;
        // Mounted again from its props on B (count 1, no note): two values, not the tree.
        expect(reply).toEqual({ t: {}, d: { 0: '1', 1: '' } });
        expect(before).toContain('<b>5</b>');
        expect(onB.html).toContain('<b>1</b><i></i>');
        expect(await lastRender(onA)).toBeUndefined(); // used once
        onB.client.close();
      },
      PROCESS_TEST_MS,
    );

    it(
      'when A shuts down with the page open, B still answers the rejoin with a diff',
      async () => {
        const onA = await pageOnOtherNode();
        await other.stop(); // graceful: A keeps its open pages' renders before closing them
        expect(await lastRender(onA)).toMatchObject({ n: 3 });
        const onB = onA.moveTo(`127.0.0.1:${app.getHttpServer().address().port}`);
        await onB.join();
        expect(onB.lastJoin).toEqual({
          t: {},
          d: { 0: '1', 1: '' },
        });
        onB.client.close();
      },
      PROCESS_TEST_MS,
    );

    it(
      'a page whose frame count differs gets the whole tree',
      async () => {
        const onA = await pageOnOtherNode();
        await other.stop();
        const onB = onA.moveTo(`127.0.0.1:${app.getHttpServer().address().port}`);
        onB.applied = 2; // one frame lost on the way
        await onB.join();
        const reply = onB.lastJoin!;
        expect(Array.isArray(reply.d)).toBe(true);
        expect(onB.html).toContain('<b>1</b>');
        onB.client.close();
      },
      PROCESS_TEST_MS,
    );
  });
});
