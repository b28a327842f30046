// An AI answer streamed into a live component, in Chromium, through the real AIManager and the
// fake OpenAI server: it appears token by token (each frame carrying only the new text), a Stop
// click aborts the provider's request, a page whose socket drops mid-answer rejoins with the
// whole text so far and follows on (nothing lost or repeated), and a replay from the AI cache
// streams in the same way.
import { LiveAiStreams } from '@lattice/ai/live';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { type FakeOpenAi, startFakeOpenAi } from '../../support/fake-openai';
import { servicesRequired } from '../../support/services';
import { waitFor } from '../../support/wait';
import { bootStreamApp, story } from './fixtures/stream-app';
import { WatchingProxy } from './fixtures/watching-proxy';

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

/** The text a frame inserts (its list items' text). */
function insertedText(frame: FrameSize): string {
  return [...frame.json.matchAll(/\["_","([^"]*)"\]/g)].map((m) => m[1]).join('');
}

describeBrowser('AI answers streamed into a live component, in Chromium', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;
  let fake: FakeOpenAi;
  let proxy: WatchingProxy;
  let prompts = 0;

  jest.setTimeout(60_000);

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    proxy = await WatchingProxy.start(fake.port);
    const started = await bootStreamApp(proxy.url);
    app = started.app;
    url = `http://${started.base}`;
    chromium = await launchBrowser();
  }, 60_000);
  afterEach(() => fake.reset());
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await proxy?.close();
    await fake?.close();
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

  /** Asks `prompt` (a new one each time unless given: the AI cache answers a repeated one). */
  async function ask(page: Page, prompt = `Tell me story ${++prompts}`): Promise<void> {
    await page.evaluate((q) => (document.getElementById('ask')!.dataset.lValueQ = q), prompt);
    await page.click('#ask');
  }

  const answer = (page: Page) =>
    page.evaluate(() => document.getElementById('answer')!.textContent ?? '');
  const texts = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).__texts);
  const statusIs = (page: Page, status: string) =>
    page.waitForFunction((s) => document.getElementById('status')?.textContent === s, status, {
      timeout: 30_000,
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

  it('shows the answer token by token, each frame carrying only the new text', async () => {
    const text = story(60);
    fake.script('/chat/completions', { content: text, delayMs: 40 });
    const { page, errors, frames } = await open();
    await ask(page);
    await statusIs(page, 'done');
    expect(await answer(page)).toBe(text);

    // Several intermediate states, each a longer prefix of the answer.
    const seen = (await texts(page)).filter((shown) => shown.length > 0);
    expect(seen.length).toBeGreaterThan(5);
    for (const shown of seen) expect(text.startsWith(shown)).toBe(true);

    // The frames that appended text: list inserts of the new piece only, never the text so far.
    const appends = frames.filter((frame) => frame.json.includes('"i":[['));
    expect(appends.length).toBeGreaterThan(5);
    expect(appends.map(insertedText).join('')).toBe(text);
    const sizes = appends.map((frame) => frame.payload).sort((a, b) => a - b);
    const messages = appends.map((frame) => frame.message).sort((a, b) => a - b);
    process.stdout.write(
      `AI stream into a live page, ${appends.length} append frames for ${text.length} characters ` +
        `(${Math.round(text.length / appends.length)} per frame): payload bytes min ${sizes[0]}, ` +
        `median ${sizes[sizes.length >> 1]}, max ${sizes.at(-1)}; WebSocket message bytes ` +
        `median ${messages[messages.length >> 1]}, max ${messages.at(-1)}. The whole text as one ` +
        `string value would have been ${JSON.stringify({ d: { 0: text } }).length} bytes in the last frame.\n` +
        appends.map((frame) => `  ${frame.payload} / ${frame.message}  ${frame.json}`).join('\n') +
        '\n',
    );
    // What a frame costs beyond its text stays the same however long the answer grows (the
    // last one also carries the status, "done").
    const overheads = appends.map((frame) => frame.payload - insertedText(frame).length);
    expect(Math.max(...overheads.slice(0, -1))).toBeLessThanOrEqual(45);
    expect(overheads.at(-1)).toBeLessThanOrEqual(80);
    // The last frames are as small as the first ones, though the text is ten times longer.
    expect(Math.max(...appends.slice(-5).map((frame) => frame.payload))).toBeLessThanOrEqual(
      Math.max(...appends.slice(0, 5).map((frame) => frame.payload)) + 30,
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a Stop click cancels the answer and aborts the provider’s request', async () => {
    const text = story(400);
    fake.script('/chat/completions', { content: text, delayMs: 20 });
    const aborted = proxy.closedMidStream;
    const { page, errors } = await open();
    await ask(page);
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 20,
    );
    await page.click('#stop');
    await statusIs(page, 'cancelled');
    // The provider's side saw the connection close in the middle of the stream.
    await waitFor(() => proxy.closedMidStream === aborted + 1, {
      what: 'the provider to see the request aborted',
    });
    const stopped = await answer(page);
    expect(text.startsWith(stopped)).toBe(true);
    expect(stopped.length).toBeLessThan(text.length);
    expect(app.get(LiveAiStreams).active).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('a page whose socket drops mid-answer rejoins with the text so far and follows on, nothing lost or repeated', async () => {
    const text = story(150);
    fake.script('/chat/completions', { content: text, delayMs: 40 });
    const { page, errors } = await open();
    await ask(page);
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 30,
    );
    // The socket drops and stays down while the answer goes on on the server.
    const before = await drop(page);
    const streamed = proxy.streamedBytes;
    expect(app.get(LiveAiStreams).active).toBe(1);
    await waitFor(() => proxy.streamedBytes > streamed + 3000, {
      what: 'the answer to go on while the page is away',
    });
    expect(await answer(page)).toBe(before);

    await page.evaluate(() => ((window as unknown as PageWindow).__gate = true));
    await statusIs(page, 'done');
    expect(await answer(page)).toBe(text);
    // Every text the page showed was a prefix of the answer: nothing repeated, nothing skipped.
    const shown = await texts(page);
    for (const each of shown) expect(text.startsWith(each)).toBe(true);
    // It went on streaming after the rejoin (not only the finished text at the end).
    const after = shown.filter((each) => each.length > before.length && each.length < text.length);
    expect(after.length).toBeGreaterThan(0);
    expect(errors.filter((error) => !error.includes('ws://127.0.0.1:1/closed'))).toEqual([]);
    await page.context().close();
  });

  it('a page that comes back after the answer ended shows the whole answer, once', async () => {
    const text = story(40);
    fake.script('/chat/completions', { content: text, delayMs: 30 });
    const ended = proxy.streamsEnded;
    const { page, errors } = await open();
    await ask(page);
    await page.waitForFunction(
      () => (document.getElementById('answer')?.textContent ?? '').length > 10,
    );
    await drop(page);
    await waitFor(() => proxy.streamsEnded === ended + 1, { what: 'the answer to end' });
    await page.evaluate(() => ((window as unknown as PageWindow).__gate = true));
    await statusIs(page, 'done');
    expect(await answer(page)).toBe(text);
    expect(errors.filter((error) => !error.includes('ws://127.0.0.1:1/closed'))).toEqual([]);
    await page.context().close();
  });

  it('streams an answer the AI cache replays in the same way, in a few frames', async () => {
    const text = story(80);
    fake.always('/chat/completions', { content: text, delayMs: 5 });
    const prompt = 'Tell me the cached story';
    const first = await open();
    await ask(first.page, prompt);
    await statusIs(first.page, 'done');
    expect(await first.page.getAttribute('#status', 'data-cached')).toBe('false');
    await first.page.context().close();
    const requests = fake.requestsTo('/chat/completions').length;

    const { page, errors, frames } = await open();
    await ask(page, prompt);
    await statusIs(page, 'done');
    expect(await answer(page)).toBe(text);
    expect(await page.getAttribute('#status', 'data-cached')).toBe('true');
    expect(fake.requestsTo('/chat/completions').length).toBe(requests);
    // The recorded chunks arrive at once: the first leaves alone, the rest joined into one piece.
    const appends = frames.filter((frame) => frame.json.includes('"i":[['));
    expect(appends.map(insertedText).join('')).toBe(text);
    expect(appends.length).toBeLessThanOrEqual(3);
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
