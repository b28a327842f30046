import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { startForum, tempSqliteUrl } from '../../support/forum-app';
import { servicesRequired } from '../../support/services';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

const PASSWORD = 'correct horse battery';

describeBrowser('the Forum\'s "Log out everywhere" button', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', { DATABASE_URL: tempSqliteUrl() }));
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  /** A new browser logged in through the login page, on the home page with its socket connected. */
  async function loggedIn(username: string): Promise<{ page: Page; errors: string[] }> {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${url}/login?next=/`);
    await page.fill('input[name="username"]', username);
    await page.fill('input[name="password"]', PASSWORD);
    await Promise.all([page.waitForURL(`${url}/`), page.click('form button')]);
    await page.waitForSelector('html.l-connected');
    return { page, errors };
  }

  it('ends the sessions of every device at once: API tokens, other browsers and this one', async () => {
    const username = `everywhere-${Date.now()}@test.example`;
    const registered = await fetch(`${url}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        username,
        password: PASSWORD,
        delivery: 'bearer',
        profile: { name: 'Eve' },
      }),
    });
    expect(registered.status).toBe(201);
    const { accessToken } = (await registered.json()) as { accessToken: string };
    const me = () =>
      fetch(`${url}/auth/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect((await me()).status).toBe(200);

    const laptop = await loggedIn(username);
    const phone = await loggedIn(username);
    // The live runtime announces a session it cannot refresh any more.
    await phone.page.evaluate(() =>
      addEventListener('lattice:session-ended', () =>
        document.documentElement.setAttribute('data-session-ended', ''),
      ),
    );

    await laptop.page.click('a.user');
    await laptop.page.waitForURL(`${url}/account`);
    await Promise.all([
      laptop.page.waitForURL(`${url}/`),
      laptop.page.click('form[data-forum-auth="logout-all"] button'),
    ]);
    // This browser is logged out ...
    await laptop.page.waitForSelector('nav a[href^="/login"]');
    expect(await laptop.page.locator('a.user').count()).toBe(0);
    // ... the other one's socket was closed and its refresh refused ...
    await phone.page.waitForSelector('html[data-session-ended]');
    // ... and the API client's access token, not expired, is refused.
    const after = await me();
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ code: 'LATTICE_SECURITY_SESSION_REVOKED' });
    expect(laptop.errors.filter((e) => !/401|Failed to load resource/.test(e))).toEqual([]);
  }, 60_000);

  it('asks a visitor to log in', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${url}/account`);
    expect(await page.locator('main.account a[href="/login?next=/account"]').count()).toBe(1);
    expect(await page.locator('form[data-forum-auth="logout-all"]').count()).toBe(0);
  });
});
