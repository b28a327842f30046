import { ClusterManager } from '@lattice/cluster';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { Browser } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/database/seeds/forum.seeder';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { describeWith } from '../support/describe-with';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { servicesRequired, TEST_REDIS_URL } from '../support/services';
import { uniqueRedisPrefix } from '../support/test-resources';
import { bootMember } from '../integration/cluster/fixtures/membership-app';

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the cluster page browser test: ${browser.detail}\n`);
}

/**
 * The admins' cluster page in Chromium (decision 0041): another node joins the Forum's Redis
 * and its row appears without a reload; it shuts down and its row goes.
 */
describeWith(['redis'], '/admin/cluster in Chromium as nodes join and leave', () => {
  const env = { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: uniqueRedisPrefix('cluster-page') };
  let app: INestApplication;
  let url: string;
  let chromium: Browser;
  let other: INestApplicationContext | undefined;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      ...env,
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always', // for its admin
    }));
    if (browser.up) chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await other?.close();
    await chromium?.close();
    await app?.close();
  });

  (browser.up ? it : it.skip)(
    'adds the row of a node that joins and drops it when it leaves',
    async () => {
      const page = await (await chromium.newContext()).newPage();
      const errors = collectConsoleErrors(page);
      await page.goto(`${url}/login?next=/admin/cluster`);
      await page.fill('input[name="username"]', 'admin@forum.example');
      await page.fill('input[name="password"]', DEMO_PASSWORD);
      await Promise.all([page.waitForURL(`${url}/admin/cluster`), page.click('form button')]);
      const self = app.get(ClusterManager).nodeId;
      await page.locator(`tr[id="cluster-node-${self}"]`).waitFor();
      await page.waitForFunction(() => document.documentElement.classList.contains('l-connected'));

      other = await bootMember(env, { role: 'worker', version: '9.9.9' });
      const joined = other.get(ClusterManager).nodeId;
      const row = page.locator(`tr[id="cluster-node-${joined}"]`);
      await row.waitFor({ timeout: 15_000 });
      expect(await row.locator('td').nth(1).textContent()).toBe('worker');
      expect(await row.locator('td').nth(4).textContent()).toBe('9.9.9');
      expect(await page.locator('.node-count').textContent()).toBe('2');

      await other.close(); // deregisters: the others hear it leave at once
      other = undefined;
      await row.waitFor({ state: 'detached', timeout: 15_000 });
      expect(await page.locator('.node-count').textContent()).toBe('1');
      expect(errors).toEqual([]);
    },
  );
});
