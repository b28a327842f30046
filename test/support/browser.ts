import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Chromium the browser tests drive; CHROMIUM_PATH points elsewhere. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium's own connections to Google are refused by
// this machine's closed network, and the browser stalls on them.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Whether a browser suite can run here; the detail says why not, for the skip message. */
export function browserAvailable(): { up: boolean; detail: string } {
  return existsSync(CHROMIUM_PATH)
    ? { up: true, detail: CHROMIUM_PATH }
    : {
        up: false,
        detail: `no Chromium at ${CHROMIUM_PATH} (install it, or set CHROMIUM_PATH)`,
      };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** Console errors and uncaught page errors, collected from now on into the returned array. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.stack ?? error.message}`));
  return errors;
}
