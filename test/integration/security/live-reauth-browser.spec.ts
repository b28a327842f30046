import { LiveModule, LivePage } from '@lattice/live';
import { Public } from '@lattice/security';
import { SocketModule } from '@lattice/socket';
import { Controller, Get } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { servicesRequired } from '../../support/services';
import { Board, BoardPanel, FORUM_AUTHORIZATION } from './fixtures/forum-rules';
import { bootSecurityApp, type SecurityApp } from './fixtures/security-app';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the live re-authentication browser test: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

const ACCESS_TTL_SECONDS = 3;

@Public()
@Controller()
class PanelPage {
  @Get('panel')
  @LivePage('board-panel', { title: 'Board' })
  panel() {
    return {};
  }
}

describeBrowser('a live page outlives its access token (the runtime re-authenticates)', () => {
  let server: SecurityApp;
  let chromium: Browser;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    server = await bootSecurityApp(
      'express',
      {
        DATABASE_URL: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lattice-reauth-')), 'db.sqlite')}`,
        JWT_SECRET: 'a-test-secret-of-more-than-thirty-two-bytes-0123456789',
      },
      {
        authorization: FORUM_AUTHORIZATION,
        jwt: { accessTtlSeconds: ACCESS_TTL_SECONDS },
        sockets: { closeOnTokenExpiry: true },
      },
      {},
      {
        controllers: [PanelPage],
        providers: [Board, BoardPanel],
        imports: [
          SocketModule.forRoot(),
          LiveModule.forRoot({ secret: 'a-test-secret-that-is-long-enough-0123456789' }),
        ],
        websockets: true,
      },
    );
    chromium = await launchBrowser();
  });
  afterAll(async () => {
    await chromium?.close();
    await server?.app.close();
  });

  /** Sends a live event from the page, as the runtime's channel does; resolves to `ok` or the error code. */
  const send = (page: Page, event: string) =>
    page.evaluate(async (event) => {
      type Channel = { push(event: string, payload: unknown): Promise<unknown> };
      const { roots } = (window as unknown as { lattice: { roots: Array<{ channel: Channel }> } })
        .lattice;
      try {
        await roots[0].channel.push('event', { e: event, v: {} });
        return 'ok';
      } catch (error) {
        return (error as { code: string }).code;
      }
    }, event);

  const connected = (page: Page) =>
    page.waitForFunction(() => document.documentElement.classList.contains('l-connected'));

  it('refreshes the cookie at the 4401 close, reconnects and keeps the user', async () => {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${server.url}/panel`);
    const status = await page.evaluate(
      async (username) => {
        const response = await fetch('/auth/register', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: 'correct horse battery' }),
        });
        return response.status;
      },
      `reauth-${randomUUID().slice(0, 8)}`,
    );
    expect(status).toBe(201);
    await page.reload(); // the socket now opens with the access cookie
    await connected(page);
    await page.evaluate(() => {
      const counts = { closes: 0 };
      (window as unknown as { counts: typeof counts }).counts = counts;
      window.addEventListener('lattice:disconnected', () => counts.closes++);
    });
    expect(await send(page, 'create-question')).toBe('ok');

    // The server closes the socket when the token expires; the runtime refreshes and reconnects.
    await page.waitForFunction(
      () => (window as unknown as { counts: { closes: number } }).counts.closes > 0,
      undefined,
      { timeout: (ACCESS_TTL_SECONDS + 5) * 1000 },
    );
    await connected(page);
    // Without the refresh the reconnect would be anonymous (the cookie is gone): http_401.
    expect(await send(page, 'create-question')).toBe('ok');
    await page.waitForFunction(
      () => document.querySelector('.done')?.textContent === 'create-question',
    );
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
