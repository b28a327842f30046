import type { Browser, Page } from 'playwright-core';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../../support/browser';
import { TsProcess } from '../../support/processes';
import { servicesRequired } from '../../support/services';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the XSS and CSP browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

describeBrowser('XSS payloads and the Content-Security-Policy in Chromium', () => {
  let server: TsProcess;
  let url: string;
  let chromium: Browser;

  jest.setTimeout(60_000);

  beforeAll(async () => {
    // Its own process: sanitize-html's ES-module parser does not load inside Jest on Node 20.
    server = new TsProcess('test/integration/security/fixtures/xss-server.ts', {});
    url = (await server.waitFor(/listening (\S+)/, 45_000))[1];
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await server?.stop();
  });

  /**
   * Opens the page, then hovers and focuses every element and clicks every link (`click: false`
   * keeps the page: a live page's links lead to the inert URL), and reads the flag.
   */
  async function flagAfter(
    path: string,
    { click = true, live = false } = {},
  ): Promise<{ flag: unknown; page: Page }> {
    const page = await (await chromium.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.dismiss());
    await page.goto(`${url}${path}`, { waitUntil: 'load' });
    if (live)
      await page.waitForFunction(() => document.documentElement.classList.contains('l-connected'));
    await page.evaluate((click) => {
      for (const element of Array.from(document.querySelectorAll('body *'))) {
        for (const type of ['mouseover', 'pointerover', 'focus'])
          element.dispatchEvent(new Event(type, { bubbles: true }));
      }
      if (click) for (const anchor of Array.from(document.querySelectorAll('a'))) anchor.click();
    }, click);
    await page.waitForTimeout(500);
    const flag = await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss);
    return { flag, page };
  }

  it('the payloads run when nothing stops them (the control: the test can see an execution)', async () => {
    const { flag, page } = await flagAfter('/payloads/raw');
    expect(flag).toBe(1);
    await page.context().close();
  });

  it('no payload runs after sanitizeHtml(), with no CSP to help', async () => {
    const { flag, page } = await flagAfter('/payloads/sanitized');
    expect(flag).toBeUndefined();
    // The rich text the allowlist keeps is still there.
    expect(await page.locator('div.p b', { hasText: 'bold' }).count()).toBe(1);
    await page.context().close();
  });

  it('no payload runs through a live template (as text, attributes, style and sanitized rich text), with no CSP to help', async () => {
    const { flag, page } = await flagAfter('/payloads/live', { click: false, live: true });
    expect(flag).toBeUndefined();
    expect(await page.locator('li p').first().innerText()).toContain('<script>');
    // No link or frame kept a script URL (clicking them would leave the page, so they are read).
    const urls = await page.evaluate(() =>
      [
        ...Array.from(document.querySelectorAll('a')).map((a) => a.href),
        ...Array.from(document.querySelectorAll('iframe, img')).map(
          (e) => (e as HTMLImageElement).src,
        ),
      ].filter((href) => href !== '' && !/^(https?|about):/.test(href)),
    );
    expect(urls).toEqual([]);
    await page.context().close();
  });

  it('the CSP alone stops the raw payloads, and lets the page’s own nonce script run', async () => {
    const { flag, page } = await flagAfter('/payloads/raw-under-csp');
    expect(flag).toBeUndefined();
    expect(
      await page.evaluate(
        () => (window as unknown as { __nonceScriptRan?: boolean }).__nonceScriptRan,
      ),
    ).toBe(true);
    await page.context().close();
  });

  it('sends the security headers with a fresh nonce per request', async () => {
    const [a, b] = await Promise.all([fetch(`${url}/counter`), fetch(`${url}/counter`)]);
    const csp = a.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
    expect(csp).toMatch(/object-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).toMatch(/base-uri 'none'/);
    const nonce = (response: Response) =>
      /'nonce-([^']+)'/.exec(response.headers.get('content-security-policy')!)![1];
    expect(nonce(a)).not.toBe(nonce(b));
    expect(a.headers.get('x-content-type-options')).toBe('nosniff');
    expect(a.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(a.headers.get('x-frame-options')).toBe('DENY');
    expect(a.headers.get('referrer-policy')).toBe('no-referrer');
    expect(a.headers.get('x-powered-by')).toBeNull();
  });

  it('a live page works under the CSP: the runtime loads, connects and handles a click', async () => {
    const page = await (await chromium.newContext()).newPage();
    const errors = collectConsoleErrors(page);
    const response = await page.goto(`${url}/counter`);
    expect(response!.headers()['content-security-policy']).toMatch(/'nonce-/);
    await page.waitForFunction(
      () =>
        document.documentElement.classList.contains('l-connected') &&
        (
          window as unknown as { lattice?: { roots: Array<{ live: boolean }> } }
        ).lattice?.roots.every((r) => r.live),
    );
    await page.locator('button[data-l-click="inc"]').click();
    await page.waitForFunction(() => document.querySelector('.counter b')?.textContent === '4');
    expect(errors).toEqual([]);
    await page.context().close();
  });
});
