// An AI answer streamed into a live component, in Chromium: it appears token by token (each
// frame carrying only the new text), a Stop click aborts the provider's request, and a page whose
// socket drops mid-answer rejoins with the whole text so far and follows on, nothing lost or
// repeated.
import { LiveAiStreams } from '@lattice/ai/live';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { servicesRequired } from '../../support/services';
import { waitFor } from '../../support/wait';
import {
  bootStreamApp,
  StandInProvider,
  standInStreamer,
  storyTokens,
} from './fixtures/stream-app';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the AI streaming browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

/** Before any script: sockets opened while `__gate` is false go nowhere (a connection that stays down). */
function gateWebSockets() {
  const Native = window.WebSocket;
  const page = window as unknown as { __gate: boolean; __texts: string[] };
  page.__gate = true;
  page.__texts = [];
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(page.__gate ? url : 'ws://127.0.0.1:1/closed', protocols);
    }
  };
  // Every text the answer shows, in order (to see it grow token by token).
  new MutationObserver(() => {
    const text = document.getElementById('answer')?.textContent ?? '';
    if (page.__texts.at(-1) !== text) page.__texts.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

interface PageWindow {
  __gate: boolean;
  __texts: string[];
  lattice: { client: { ws?: { close(): void } } };
}

/** A diff frame's size: the whole WebSocket message, and its payload (what the diff engine made). */
interface FrameSize {
  message: number;
  payload: number;
  json: string;
}

describeBrowser('AI answers streamed into a live component, in Chromium', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;
  let provider: StandInProvider;

  jest.setTimeout(60_000);

  beforeAll(async () => {
    provider = new StandInProvider();
    const streamUrl = await provider.listen();
    const started = await bootStreamApp(standInStreamer(streamUrl));
    app = started.app;
    url = `http://${started.base}`;
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await provider?.close();
  });

  async function open(): Promise<{ page: Page; errors: string[]; frames: FrameSize[] }> {
    const page = await (await chromium.newContext()).newPage();
    await page.addInitScript(gateWebSockets);
    const errors = collectConsoleErrors(page);
    const frames: FrameSize[] = [];
    page.on('websocket', (socket) =>
      socket.on('framereceived', ({ payload }) => {
        const message = String(payload);
        const parsed = JSON.parse(message) as unknown[];
        if (parsed[1] !== 'diff') return;
        const json = JSON.stringify(parsed[2]);
        frames.push({
          message: Buffer.byteLength(message),
          payload: Buffer.byteLength(json),
          json,
        });
      }),
    );
    await page.goto(`${url}/ai/assistant`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.classList.contains('l-connected'));
    return { page, errors, frames };
  }

  const answer = (page: Page) =>
    page.evaluate(() => document.getElementById('answer')!.textContent ?? '');
  const texts = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).__texts);

  it('shows the answer token by token, each frame carrying only the new text', async () => {
    provider.count = 60;
    const { page, errors, frames } = await open();
    await page.click('#ask');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'done');
    const story = storyTokens(60).join('');
    expect(await answer(page)).toBe(story);

    // Several intermediate states, each a longer prefix of the story.
    const seen = (await texts(page)).filter((text) => text.length > 0);
    expect(seen.length).toBeGreaterThan(5);
    for (const text of seen) expect(story.startsWith(text)).toBe(true);

    // The frames that appended text: list inserts of the new piece only, never the text so far.
    const appends = frames.filter((frame) => frame.json.includes('"i":[['));
    expect(appends.length).toBeGreaterThan(5);
    for (const frame of appends) {
      const inserted = [...frame.json.matchAll(/\["_","([^"]*)"\]/g)].map((m) => m[1]).join('');
      expect(frame.payload).toBeLessThan(60 + inserted.length);
    }
    const late = appends.slice(-5).map((frame) => frame.payload);
    process.stdout.write(
      `AI stream frames (payload bytes / WebSocket message bytes), ${appends.length} appends for ${story.length} characters:\n` +
        appends.map((f) => `  ${f.payload} / ${f.message}  ${f.json}`).join('\n') +
        '\n',
    );
    // The last frames are as small as the first ones, though the text is ten times longer.
    expect(Math.max(...late)).toBeLessThan(120);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a Stop click cancels the answer and aborts the provider’s request', async () => {
    provider.count = 400;
    const closedBefore = provider.closedEarly;
    const { page, errors } = await open();
    await page.click('#ask');
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 20,
    );
    await page.click('#stop');
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'cancelled',
    );
    // The stand-in provider saw its connection close before the end.
    await waitFor(() => provider.closedEarly === closedBefore + 1, {
      what: 'the provider to see the request aborted',
    });
    const stopped = await answer(page);
    expect(storyTokens(400).join('').startsWith(stopped)).toBe(true);
    expect(stopped.length).toBeLessThan(storyTokens(400).join('').length);
    expect(app.get(LiveAiStreams).active).toBe(0);
    expect(await answer(page)).toBe(stopped);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  async function drop(page: Page): Promise<string> {
    await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      w.__gate = false;
      w.lattice.client.ws?.close();
    });
    await page.waitForFunction(() => document.documentElement.classList.contains('l-disconnected'));
    return answer(page);
  }

  it('a page whose socket drops mid-answer rejoins with the text so far and follows on, nothing lost or repeated', async () => {
    provider.count = 150;
    const { page, errors } = await open();
    await page.click('#ask');
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 30,
    );
    // The socket drops and stays down while the answer goes on on the server.
    const before = await drop(page);
    const sent = provider.sent;
    expect(app.get(LiveAiStreams).active).toBe(1);
    await waitFor(() => provider.sent >= sent + 20, {
      what: 'the answer to go on while the page is away',
    });
    expect(await answer(page)).toBe(before);

    await page.evaluate(() => ((window as unknown as PageWindow).__gate = true));
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'done',
      null,
      { timeout: 30_000 },
    );
    const story = storyTokens(150).join('');
    expect(await answer(page)).toBe(story);
    // Every text the page showed was a prefix of the story: nothing repeated, nothing skipped.
    const shown = await texts(page);
    for (const text of shown) expect(story.startsWith(text)).toBe(true);
    // It went on streaming after the rejoin (not only the finished text at the end).
    expect(
      shown.filter((text) => text.length > before.length && text.length < story.length).length,
    ).toBeGreaterThan(0);
    expect(errors.filter((error) => !error.includes('ws://127.0.0.1:1/closed'))).toEqual([]);
    await page.context().close();
  });

  it('a page that comes back after the answer ended shows the whole answer, once', async () => {
    provider.count = 40;
    const finished = provider.finished;
    const { page, errors } = await open();
    await page.click('#ask');
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 10,
    );
    await drop(page);
    await waitFor(() => provider.finished === finished + 1, { what: 'the answer to end' });
    await page.evaluate(() => ((window as unknown as PageWindow).__gate = true));
    await page.waitForFunction(
      () => document.getElementById('status')?.textContent === 'done',
      null,
      { timeout: 30_000 },
    );
    expect(await answer(page)).toBe(storyTokens(40).join(''));
    expect(errors.filter((error) => !error.includes('ws://127.0.0.1:1/closed'))).toEqual([]);
    await page.context().close();
  });
});
