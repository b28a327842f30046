import { LatticeModule } from '@lattice/core';
import { LiveModule, LiveRenderer } from '@lattice/live';
import { LiveStateModule } from '@lattice/live/state';
import { SocketModule } from '@lattice/socket';
import { StateManager, StateModule, StateStores } from '@lattice/state';
import { INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import { describeWith } from '../../support/describe-with';
import { Page } from '../../support/live-page';
import { TsProcess } from '../../support/processes';
import { TEST_REDIS_URL } from '../../support/services';
import { uniqueRedisPrefix } from '../../support/test-resources';
import { PROCESS_START_MS, PROCESS_TEST_MS, waitFor } from '../../support/wait';
import { Notepad, STATE_COMPONENTS } from './fixtures/state-components';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';

async function boot(env: Record<string, string> = {}, withState = true, withBinding = true) {
  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { LOG_LEVEL: 'error', ...env },
        envFile: false,
        bootReport: false,
      }),
      SocketModule.forRoot(),
      LiveModule.forRoot({ secret: SECRET }),
      ...(withState ? [StateModule.forRoot({ devtools: false })] : []),
      ...(withBinding ? [LiveStateModule] : []),
    ],
    providers: STATE_COMPONENTS,
  })
  class StateAppModule {}
  const app = await NestFactory.create(StateAppModule, { logger: false, abortOnError: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  try {
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close(); // a refused boot leaves no connection or timer behind
    throw error;
  }
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, base: `127.0.0.1:${port}` };
}

describe('live components bound to state streams', () => {
  let app: INestApplication;
  let base: string;
  let state: StateManager;
  const pages: Page[] = [];
  const open = async (name: string, props: unknown, on = base) => {
    const markup = await app.get(LiveRenderer).component(name, props);
    const page = Page.fromHtml(on, markup);
    pages.push(page);
    await page.join();
    return { page, markup };
  };

  beforeAll(async () => {
    ({ app, base } = await boot());
    state = app.get(StateManager);
  });
  afterEach(() => pages.splice(0).forEach((p) => p.client.close()));
  afterAll(() => app?.close());

  it('renders the stream’s state and re-renders when the stream changes', async () => {
    await state.dispatch('tally:a', { type: 'added', payload: { by: 5 } });
    const { page, markup } = await open('scoreboard', { id: 'a' });
    const other = await open('scoreboard', { id: 'b' });
    expect(markup).toContain('Tally a: <b>5</b>');
    await state.dispatch('tally:a', { type: 'added', payload: { by: 2 } });
    await page.until((h) => h.includes('<b>7</b>'));
    expect(page.frames.at(-1)).toEqual({ d: { 1: '7' } });
    expect(other.page.html).toContain('Tally b: <b>0</b>');
    // The sentinel: b's own change; had it re-rendered for a's, that frame would be first.
    await state.dispatch('tally:b', { type: 'added', payload: { by: 1 } });
    await other.page.until((h) => h.includes('Tally b: <b>1</b>'));
    expect(other.page.frames).toEqual([{ d: { 1: '1' } }]);
  });

  it('keeps a @PersistState component’s state across pages and does not save unchanged state', async () => {
    const { page } = await open('notepad', { pad: 'groceries' });
    await page.send('write', { line: 'tea' });
    await page.send('write', { line: 'milk' });
    await page.send('noop');
    const mounts = app.get(Notepad).mounts;
    // A reload: a new page and a new session resume the saved lines without mounting afresh.
    const reload = await open('notepad', { pad: 'groceries' });
    expect(reload.markup).toContain('<li>tea</li><li>milk</li>');
    expect(app.get(Notepad).mounts).toBe(mounts);
    const other = await open('notepad', { pad: 'chores' });
    expect(other.markup).not.toContain('<li>');
    const saved = (await app.get(StateStores).get().readAll(0, 1000)).filter((e) =>
      e.streamId.startsWith('live:'),
    );
    expect(saved.map((e) => [e.type, e.payload])).toEqual([
      ['saved', { lines: ['tea'] }],
      ['saved', { lines: ['tea', 'milk'] }],
    ]);
  });

  it('refuses to start without StateModule, naming the components and the fix', async () => {
    await expect(boot({}, false)).rejects.toThrow(
      /Notepad, Scoreboard use @UseState or @PersistState, but StateModule is not imported/,
    );
  });

  it('refuses to start without LiveStateModule, naming the module to import', async () => {
    const booting = boot({}, true, false);
    await expect(booting).rejects.toThrow(
      /Notepad, Scoreboard use @UseState or @PersistState, but LiveStateModule is not imported/,
    );
    await expect(booting).rejects.toMatchObject({
      hint: expect.stringContaining('Import LiveStateModule from @lattice/live/state'),
    });
  });
});

describeWith(['redis'], 'live components bound to state streams, across nodes', () => {
  let app: INestApplication;
  let node: TsProcess;

  afterAll(async () => {
    await node?.stop('SIGKILL');
    await app?.close();
  });

  it(
    'a dispatch on one node re-renders a page joined to another',
    async () => {
      const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('live-state') };
      ({ app } = await boot(env));
      node = new TsProcess('test/integration/live/fixtures/live-node.ts', {
        ...env,
        LIVE_SECRET: SECRET,
        LOG_LEVEL: 'error',
      });
      const port = (await node.waitFor(/listening (\d+)/, PROCESS_START_MS))[1];
      // The other node follows streams through Redis, subscribed in the background after it
      // starts listening: dispatch to a probe stream until a page there re-renders, then test.
      const probe = Page.fromHtml(
        `127.0.0.1:${port}`,
        await app.get(LiveRenderer).component('scoreboard', { id: 'probe' }),
      );
      await probe.join();
      await waitFor(
        async () => {
          await app
            .get(StateManager)
            .dispatch('tally:probe', { type: 'added', payload: { by: 1 } });
          return probe.frames.length > 0;
        },
        { what: 'the other node to hear this one', intervalMs: 200 },
      );
      probe.client.close();
      const markup = await app.get(LiveRenderer).component('scoreboard', { id: 'x' });
      const page = Page.fromHtml(`127.0.0.1:${port}`, markup);
      try {
        await page.join();
        expect(page.html).toContain('<b>0</b>');
        await app.get(StateManager).dispatch('tally:x', { type: 'added', payload: { by: 3 } });
        await page.until((h) => h.includes('Tally x: <b>3</b>'));
      } finally {
        page.client.close();
      }
    },
    PROCESS_TEST_MS,
  );
});
