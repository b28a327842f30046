// Channels in Chromium: the browser script of @lattice/events alone (subscribe, a dropped
// socket, a recovered resume), and next to live components (one WebSocket for both, and an
// @OnChannel component re-rendered in the DOM).
import { EventDispatcher } from '@lattice/events';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { servicesRequired } from '../../support/services';
import { AnswerPosted, bootChannelApp } from './fixtures/channel-components';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the channel browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

/**
 * Before any script of the page: every WebSocket the page opens is counted, and while
 * `__gate` is false it goes nowhere (so a dropped socket stays down until the test lets it back).
 */
function gateWebSockets() {
  const Native = window.WebSocket;
  const page = window as unknown as { __gate: boolean; __sockets: number };
  page.__gate = true;
  page.__sockets = 0;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      page.__sockets++;
      super(page.__gate ? url : 'ws://127.0.0.1:1/closed', protocols);
    }
  };
}

interface PageWindow {
  __gate: boolean;
  __sockets: number;
  __log: unknown[];
  __subscribed: Array<{ recovered: boolean; resync?: string }>;
  LatticeEvents: {
    connect(): {
      state: string;
      socket: unknown;
      subscribe(channel: string): {
        ready: Promise<unknown>;
        listen(event: string, fn: (data: unknown) => void): void;
        on(event: string, fn: (value: unknown) => void): void;
      };
    };
  };
  lattice?: { client: { ws?: { close(): void } } };
}

describeBrowser('event channels in Chromium', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;
  let events: EventDispatcher;

  jest.setTimeout(60_000);

  beforeAll(async () => {
    const started = await bootChannelApp();
    app = started.app;
    url = `http://${started.base}`;
    events = app.get(EventDispatcher);
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await (await chromium.newContext()).newPage();
    await page.addInitScript(gateWebSockets);
    const errors = collectConsoleErrors(page);
    await page.goto(`${url}${path}`, { waitUntil: 'load' });
    await page.waitForFunction(() => 'LatticeEvents' in window);
    return { page, errors };
  }

  /** Subscribes in the page; what it hears goes to `__log`, each subscribe's answer to `__subscribed`. */
  async function subscribe(page: Page, channel: string): Promise<void> {
    await page.evaluate(async (channel) => {
      const w = window as unknown as PageWindow;
      w.__log = [];
      w.__subscribed = [];
      const subscription = w.LatticeEvents.connect().subscribe(channel);
      subscription.listen('answer.posted', (data) => w.__log.push((data as { id: number }).id));
      subscription.on('subscribed', (result) =>
        w.__subscribed.push(result as PageWindow['__subscribed'][number]),
      );
      await subscription.ready;
    }, channel);
  }

  const logOf = (page: Page) =>
    page.evaluate(() => (window as unknown as PageWindow).__log as number[]);

  it('the standalone client subscribes, hears broadcasts, and resumes after a dropped socket with recovered: true', async () => {
    const { page, errors } = await open('/pages/standalone');
    await subscribe(page, 'question.s1');
    for (const id of [1, 2]) await events.dispatchAndWait(new AnswerPosted('s1', id, `a${id}`));
    await page.waitForFunction(() => (window as unknown as PageWindow).__log.length === 2);

    // The socket drops and stays down while three answers are posted.
    await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      w.__gate = false;
      (w.LatticeEvents.connect().socket as { ws: { close(): void } }).ws.close();
    });
    await page.waitForFunction(
      () => (window as unknown as PageWindow).LatticeEvents.connect().state !== 'open',
    );
    for (const id of [3, 4, 5]) await events.dispatchAndWait(new AnswerPosted('s1', id, `a${id}`));
    expect(await logOf(page)).toEqual([1, 2]);

    await page.evaluate(() => ((window as unknown as PageWindow).__gate = true));
    await page.waitForFunction(() => (window as unknown as PageWindow).__log.length === 5, null, {
      timeout: 15_000,
    });
    expect(await logOf(page)).toEqual([1, 2, 3, 4, 5]);
    const subscribed = await page.evaluate(() => (window as unknown as PageWindow).__subscribed);
    expect(subscribed.at(-1)).toMatchObject({ recovered: true });
    expect(subscribed.at(-1)?.resync).toBeUndefined();
    await events.dispatchAndWait(new AnswerPosted('s1', 6, 'a6'));
    await page.waitForFunction(() => (window as unknown as PageWindow).__log.length === 6);
    // A reconnect tried while the gate was shut fails on purpose (port 1); nothing else may.
    expect(errors.filter((error) => !error.includes('ws://127.0.0.1:1/closed'))).toEqual([]);
    await page.context().close();
  });

  it('on a live page, an @OnChannel component re-renders and the events client shares the runtime’s one WebSocket', async () => {
    const { page, errors } = await open('/pages/live?id=c1');
    await page.waitForFunction(() => document.documentElement.classList.contains('l-connected'));
    await subscribe(page, 'question.c1');
    const shared = await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      return w.LatticeEvents.connect().socket === w.lattice?.client;
    });
    expect(shared).toBe(true);

    await events.dispatchAndWait(new AnswerPosted('c1', 1, 'posted from the server'));
    await page.waitForFunction(() =>
      document.querySelector('.feed li')?.textContent?.includes('posted from the server'),
    );
    await page.waitForFunction(() => (window as unknown as PageWindow).__log.length === 1);
    expect(await page.locator('.feed p').innerText()).toBe('events 1 last answer.posted@1');
    expect(await page.evaluate(() => (window as unknown as PageWindow).__sockets)).toBe(1);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
