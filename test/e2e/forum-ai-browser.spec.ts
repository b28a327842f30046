import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { SimilarQuestions } from '../../src/ai/similar-questions.service';
import { DEMO_PASSWORD } from '../../src/database/seeds/forum.seeder';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { json, login } from '../support/http';
import { servicesRequired } from '../support/services';

/**
 * The Forum's AI features in Chromium (decision 0037): similar questions and tag suggestions
 * appear on the ask page as the title is typed (offline), and the moderators' queue shows a
 * flagged post the moment it is held.
 */

const browser = browserAvailable();
if (!browser.up) {
  if (servicesRequired())
    throw new Error(`Chromium is required for the browser tests: ${browser.detail}`);
  process.stdout.write(`Skipped the AI browser tests: ${browser.detail}\n`);
}
const describeBrowser = browser.up ? describe : describe.skip;

jest.setTimeout(60_000); // Chromium shares two cores with the rest of the suite in CI

/** Connected, and every live root joined (events before that are refused by the runtime). */
const live = (page: Page) =>
  page.waitForFunction(
    () =>
      document.documentElement.classList.contains('l-connected') &&
      (window as unknown as { lattice?: { roots: Array<{ live: boolean }> } }).lattice?.roots.every(
        (r) => r.live,
      ),
  );

/** A new browser logged in as a demo account, on `next`. */
async function logIn(chromium: Browser, url: string, email: string, next: string) {
  const page = await (await chromium.newContext()).newPage();
  const errors = collectConsoleErrors(page);
  await page.goto(`${url}/login?next=${next}`);
  await page.fill('input[name="username"]', email);
  await page.fill('input[name="password"]', DEMO_PASSWORD);
  await Promise.all([page.waitForURL(`${url}${next}`), page.click('form button')]);
  await live(page);
  return { page, errors };
}

describeBrowser('the Forum’s AI features in Chromium (offline)', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always',
    }));
    chromium = await launchBrowser();
    await app.get(SimilarQuestions).ready();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
  });

  it('shows similar questions and suggests tags as the title is typed; a suggestion checks its tag', async () => {
    const { page, errors } = await logIn(chromium, url, 'member@forum.example', '/ask');
    expect(await page.locator('.similar li').count()).toBe(0);
    const title = page.locator('input[name="title"]');
    await title.click();
    await title.pressSequentially('How do I debug a stalled BullMQ worker', { delay: 15 });
    await page.locator('.similar li a').first().waitFor();
    const shown = await page.locator('.similar li a').allInnerTexts();
    expect(shown.filter((text) => /bullmq/i.test(text)).length).toBeGreaterThanOrEqual(3);
    // Typing went on while the suggestions arrived: nothing of it was lost.
    expect(await title.inputValue()).toBe('How do I debug a stalled BullMQ worker');

    const suggestion = page.locator('.suggested a[data-l-value-tag="bullmq"]');
    await suggestion.waitFor();
    const box = page.locator('input[name="tags"][value="bullmq"]');
    expect(await box.isChecked()).toBe(false);
    await suggestion.click();
    await page.waitForFunction(
      () => document.querySelector<HTMLInputElement>('input[name="tags"][value="bullmq"]')!.checked,
    );

    // The form posts what was typed and picked.
    await page.fill('textarea[name="body"]', 'The worker stops taking jobs after an hour.');
    await Promise.all([page.waitForURL(/\/q\/\d+$/), page.click('form[data-forum-ask] > button')]);
    const id = Number(new URL(page.url()).pathname.split('/')[2]);
    const asked = await json(await fetch(`${url}/questions/${id}`));
    expect(asked).toMatchObject({
      title: 'How do I debug a stalled BullMQ worker',
      tags: [expect.objectContaining({ name: 'bullmq' })],
    });

    // A title about something else finds other questions.
    await page.goto(`${url}/ask`);
    await live(page);
    await title.pressSequentially('Rotate JWT refresh tokens safely', { delay: 15 });
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.similar li a')].some((a) => /JWT/i.test(a.textContent!)),
    );
    expect(errors).toEqual([]);
  });

  it('shows the moderators a flagged post the moment it is held, and takes it off when approved', async () => {
    const { page, errors } = await logIn(chromium, url, 'moderator@forum.example', '/moderation');
    const member = await login(url, 'member@forum.example');
    const held = await json(
      await member.client.post('/questions/2/answers', {
        body: 'You are all pathetic idiots, this is garbage.',
      }),
    );
    expect(held.status).toBe('held');
    const item = page.locator(`#held-answer-${held.id}`);
    await item.waitFor();
    expect(await item.innerText()).toContain('pathetic idiots');
    await item.locator('button[data-l-click="approve"]').click();
    await item.waitFor({ state: 'detached' });
    await page.locator('.notice', { hasText: `Answer ${held.id} approved` }).waitFor();
    const answers = (await json(await fetch(`${url}/questions/2`))).answers;
    expect(answers.map((a: { id: number }) => a.id)).toContain(held.id);
    expect(errors).toEqual([]);
  });
});
