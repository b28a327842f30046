import { SocketManager } from '@lattice/socket';
import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { WebSocket } from 'ws';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { login } from '../support/http';
import { DEMO_PASSWORD } from '../../src/database/seeds/forum.seeder';
import { servicesRequired } from '../support/services';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

describeBrowser('the live Forum in Chromium', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always',
    }));
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  /** Connected, and every live root joined (events before that are refused by the runtime). */
  const live = (page: Page) =>
    page.waitForFunction(
      () =>
        document.documentElement.classList.contains('l-connected') &&
        (
          window as unknown as { lattice?: { roots: Array<{ live: boolean }> } }
        ).lattice?.roots.every((r) => r.live),
    );

  let accounts = 0;
  /**
   * A new browser on the home page: signed up as a new member through the sign-up page
   * (votes count once per user, so each browser is its own member), or anonymous.
   */
  async function open({ account = true } = {}): Promise<{ page: Page; errors: string[] }> {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    if (account) {
      await page.goto(`${url}/signup?next=/`);
      await page.fill('input[name="name"]', `Browser ${++accounts}`);
      await page.fill('input[name="username"]', `browser-${accounts}-${Date.now()}@test.example`);
      await page.fill('input[name="password"]', 'correct horse battery');
      await Promise.all([page.waitForURL(`${url}/`), page.click('form button')]);
    } else await page.goto(`${url}/`);
    await live(page);
    return { page, errors };
  }

  const score = (page: Page, id: string) => page.locator(`#q${id} .vote b`).innerText();

  jest.setTimeout(60_000); // Chromium shares two cores with the rest of the suite in CI

  it('a vote in one browser appears in the other', async () => {
    const a = await open();
    const b = await open();
    const id = (await a.page.locator('.questions li').first().getAttribute('id'))!.slice(1);
    const before = Number(await score(b.page, id));
    await a.page.locator(`#q${id} button[data-l-click="vote"]`).click();
    await b.page.waitForFunction(
      ([selector, expected]) => document.querySelector(selector)?.textContent === expected,
      [`#q${id} .vote b`, String(before + 1)] as const,
    );
    expect(Number(await score(a.page, id))).toBe(before + 1);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('keeps typed input across a dropped connection and catches up with what happened meanwhile', async () => {
    const a = await open();
    const b = await open();
    const input = a.page.locator('input[name="q"]');
    await input.click();
    await input.pressSequentially('How', { delay: 20 });
    await a.page.waitForFunction(() => document.querySelectorAll('.questions li').length >= 0);

    // Drop every socket connection from the server side, as a restart or a network cut would.
    const connections = (
      app.get(SocketManager) as unknown as { connections: Set<{ ws: WebSocket }> }
    ).connections;
    for (const connection of connections) connection.ws.terminate();
    await a.page.waitForSelector('html.l-disconnected, html.l-connected');
    await input.pressSequentially(' do', { delay: 20 }); // typed while (re)connecting

    // Meanwhile a vote happens in the other browser.
    await live(b.page);
    const id = (await b.page.locator('.questions li').first().getAttribute('id'))!.slice(1);
    const before = Number(await score(b.page, id));
    await b.page.locator(`#q${id} button[data-l-click="vote"]`).click();
    await b.page.waitForFunction(
      ([selector, expected]) => document.querySelector(selector)?.textContent === expected,
      [`#q${id} .vote b`, String(before + 1)] as const,
    );

    await live(a.page);
    expect(await input.inputValue()).toBe('How do');
    await a.page.locator('button[aria-label="Vote up"]').first().waitFor();
    // Caught up: the page shows the vote cast while it was away (unless the filter hides the row).
    const visible = await a.page.locator(`#q${id}`).count();
    if (visible) expect(Number(await score(a.page, id))).toBe(before + 1);
    // The filter typed before and during the cut applies once the debounce sends it.
    await a.page.waitForFunction(() =>
      [...document.querySelectorAll('.questions li a')].every((link) =>
        link.textContent!.toLowerCase().includes('how do'),
      ),
    );
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('runs the counter and keyed list demos: clicks, a form submit, moves and removals', async () => {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${url}/demo/counter`);
    await live(page);
    await page.getByRole('button', { name: '+1', exact: true }).click();
    await page.getByRole('button', { name: '+10' }).click();
    await page.waitForFunction(() => document.querySelector('.count')?.textContent === '11');

    await page.goto(`${url}/demo/list`);
    await live(page);
    const items = () =>
      page
        .locator('.items li')
        .evaluateAll((lis) => lis.map((li) => li.firstChild!.textContent!.trim()));
    await page.locator('input[name="title"]').fill('Ship it');
    await page.getByRole('button', { name: 'Add' }).click();
    await page.waitForFunction(() => document.querySelectorAll('.items li').length === 4);
    await page.locator('#item-4 button[aria-label="Move up"]').click();
    await page.waitForFunction(() => document.querySelectorAll('.items li')[2]?.id === 'item-4');
    await page.locator('#item-1 button[aria-label="Remove"]').click();
    await page.waitForFunction(() => !document.querySelector('#item-1'));
    expect(await items()).toEqual(['Make it pass', 'Ship it', 'Measure it']);
    expect(errors).toEqual([]);
  });

  it('renders the Header and Footer components around every page, and the Sidebar child answers its own clicks', async () => {
    const { page, errors } = await open();
    await expect(page.locator('nav a.current').innerText()).resolves.toBe('Questions');
    await expect(page.locator('footer a[href="/health"]').count()).resolves.toBe(1);
    const sidebar = page.locator('aside.sidebar');
    // A child of the question list: its root element carries its component id.
    await expect(sidebar.getAttribute('data-l-c')).resolves.toMatch(/^\d+$/);
    const tags = () => sidebar.locator('.tags li').count();
    const total = await page.evaluate(() => {
      const text = document.querySelector('aside.sidebar button.more')?.textContent ?? '';
      return Number(/Show all (\d+)/.exec(text)?.[1]);
    });
    expect(total).toBeGreaterThan(5);
    expect(await tags()).toBe(5);
    const listBefore = await page.locator('.questions').innerHTML();
    await sidebar.locator('button.more').click();
    await page.waitForFunction(
      (n) => document.querySelectorAll('aside.sidebar .tags li').length === n,
      total,
    );
    await expect(sidebar.locator('button.more').innerText()).resolves.toBe('Show fewer');
    expect(await page.locator('.questions').innerHTML()).toBe(listBefore);

    await page.goto(`${url}/demo/counter`);
    await live(page);
    await expect(page.locator('nav a.current').innerText()).resolves.toBe('Counter');
    await expect(page.locator('footer').count()).resolves.toBe(1);
    expect(errors).toEqual([]);
  });
  it('a question card bound to its state stream updates in every browser, votes and API answers alike', async () => {
    const [a, b] = [await open(), await open()];
    for (const { page } of [a, b]) {
      await page.goto(`${url}/demo/question/9`);
      await live(page);
    }
    const card = (page: Page) => page.locator('.question-card .score').innerText();
    const before = Number(await card(b.page));
    await a.page.locator('.question-card button[aria-label="Vote up"]').click();
    await b.page.waitForFunction(
      (expected) => document.querySelector('.question-card .score')?.textContent === expected,
      String(before + 1),
    );
    // An answer through the HTTP API is an event on the same stream: both cards hear it.
    const answers = Number(await a.page.locator('.question-card .answers').innerText());
    const { client } = await login(url, 'member@forum.example');
    const response = await client.post('/questions/9/answers', { body: 'Seen live.' });
    expect(response.status).toBe(201);
    for (const { page } of [a, b]) {
      await page.waitForFunction(
        (expected) => document.querySelector('.question-card .answers')?.textContent === expected,
        String(answers + 1),
      );
    }
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('asks anonymous visitors to log in to vote, and counts nothing', async () => {
    const { page, errors } = await open({ account: false });
    const id = (await page.locator('.questions li').first().getAttribute('id'))!.slice(1);
    const before = await score(page, id);
    await page.locator(`#q${id} button[data-l-click="vote"]`).click();
    await page.locator('.notice').waitFor();
    expect(await page.locator('.notice').innerText()).toContain('Log in to vote.');
    expect(await score(page, id)).toBe(before);
    expect((await (await fetch(`${url}/questions/${id}/activity`)).json()).score).toBe(
      Number(before),
    );
    expect(errors).toEqual([]);
  });

  it('logs in with the demo admin (a wrong password first), shows the queues link, and logs out', async () => {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${url}/login?next=/demo/counter`);
    await page.fill('input[name="username"]', 'admin@forum.example');
    await page.fill('input[name="password"]', 'not the password');
    await page.click('form button');
    await page.locator('.error:not([hidden])').waitFor();
    expect(await page.locator('.error').innerText()).toContain('wrong');
    await page.fill('input[name="password"]', DEMO_PASSWORD);
    await Promise.all([page.waitForURL(`${url}/demo/counter`), page.click('form button')]);
    expect(await page.locator('nav .user').innerText()).toBe('Ada Admin');
    await page.click('nav a[href="/admin/queues"]');
    await page.locator('text=Lattice queues').first().waitFor();
    await page.goto(`${url}/`);
    await Promise.all([page.waitForURL(`${url}/`), page.click('nav form button')]);
    await page.locator('nav a[href^="/login"]').waitFor();
    expect(await page.locator('nav .user').count()).toBe(0);
    expect((await page.goto(`${url}/admin/queues`))!.status()).toBe(401);
    // The wrong password's 401, and bull-board's web font (no internet here), are expected.
    expect(
      errors.filter((e) => !e.includes('401') && !e.includes('ERR_NAME_NOT_RESOLVED')),
    ).toEqual([]);
  });

  it('a question page: answers from one browser appear in the other, viewers are listed, the asker is notified', async () => {
    // The asker: the demo member, made author of question 12 for this test.
    const asker = (await login(url, 'member@forum.example')).user;
    await app.get(DataSource).query('UPDATE questions SET author_id = ? WHERE id = 12', [asker.id]);
    const askerPage = await (await chromium.newContext()).newPage();
    const askerErrors = collectConsoleErrors(askerPage);
    await askerPage.goto(`${url}/login?next=/demo/counter`);
    await askerPage.fill('input[name="username"]', 'member@forum.example');
    await askerPage.fill('input[name="password"]', DEMO_PASSWORD);
    await Promise.all([
      askerPage.waitForURL(`${url}/demo/counter`),
      askerPage.click('form button'),
    ]);
    await live(askerPage);

    const [a, b] = [await open(), await open()];
    for (const { page } of [a, b]) {
      await page.goto(`${url}/q/12`);
      await live(page);
    }
    // Both viewers see both names (display names, never emails).
    for (const { page } of [a, b])
      await page.waitForFunction(() => document.querySelectorAll('.viewers li').length === 2);
    const names = await a.page.locator('.viewers li').allInnerTexts();
    expect(names.every((name) => name.startsWith('Browser '))).toBe(true);

    const before = await b.page.locator('.answers li').count();
    await a.page.fill('.answer-form textarea', 'Seen on both pages.');
    await a.page.click('.answer-form button');
    await b.page.waitForFunction(
      (count) => document.querySelectorAll('.answers li').length === count,
      before + 1,
    );
    expect(await b.page.locator('.answers li').last().innerText()).toContain('Seen on both pages.');
    expect(await b.page.locator('.answer-count').innerText()).toBe(String(before + 1));
    // The author of the answer may delete it; the other member may not.
    expect(await a.page.locator('.answers li').last().locator('button.delete').count()).toBe(1);
    expect(await b.page.locator('.answers li').last().locator('button.delete').count()).toBe(0);

    // The asker, on another page, gets a notification on their private channel.
    await askerPage.waitForFunction(
      () => document.querySelector('.notifications .unread')?.textContent === '1',
    );
    await askerPage.click('.notifications button');
    expect(await askerPage.locator('.notifications li a').first().innerText()).toMatch(
      /answered "/,
    );

    // A vote from one page moves the score on the other; a viewer leaving leaves the list.
    const score = Number(await b.page.locator('.score').innerText());
    await a.page.click('button[aria-label="Vote up"]');
    await b.page.waitForFunction(
      (expected) => document.querySelector('.score')?.textContent === expected,
      String(score + 1),
    );
    await a.page.close();
    await b.page.waitForFunction(() => document.querySelectorAll('.viewers li').length === 1);
    expect([...a.errors, ...b.errors, ...askerErrors]).toEqual([]);
  });

  it('asks a question on /ask: it opens, and the home page in another browser lists it at once', async () => {
    const [asker, reader] = [await open(), await open()];
    await asker.page.goto(`${url}/ask`);
    await asker.page.fill('input[name="title"]', 'Does a new question reach open lists?');
    await asker.page.fill('textarea[name="body"]', 'Asked from the browser test.');
    await asker.page.check('input[name="tags"][value="lattice"]');
    await Promise.all([
      asker.page.waitForURL(/\/q\/\d+$/),
      asker.page.click('form[data-forum-ask] button'),
    ]);
    expect(await asker.page.locator('h2').innerText()).toBe(
      'Does a new question reach open lists?',
    );
    const id = asker.page.url().split('/').pop();
    await reader.page.waitForFunction(
      (first) => document.querySelector('.questions li')?.id === first,
      `q${id}`,
    );
    expect(await reader.page.locator(`#q${id} a`).innerText()).toBe(
      'Does a new question reach open lists?',
    );
    expect([...asker.errors, ...reader.errors]).toEqual([]);
  });
});
