import type { INestApplication } from '@nestjs/common';
import type { Browser, Page } from 'playwright-core';
import { SimilarQuestions } from '../../src/ai/similar-questions.service';
import { DEMO_PASSWORD } from '../../src/database/seeds/forum.seeder';
import { browserAvailable, collectConsoleErrors, launchBrowser } from '../support/browser';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { json, login } from '../support/http';
import { servicesRequired } from '../support/services';
import { type FakeOpenAi, startFakeOpenAi } from '../support/fake-openai';
import { LiveAiStreams } from '@lattice/ai/live';

/**
 * The Forum's AI features in Chromium (decision 0037): similar questions and tag suggestions
 * appear on the ask page as the title is typed (offline), and the moderators' queue shows a
 * flagged post the moment it is held; with the Forum pointed at an OpenAI-compatible server (the
 * fake one), the assistant's draft streams in token by token and stops when cancelled.
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
    // No server configured: no assistant, and the box says how to turn it on.
    expect(await page.locator('.assistant.off').innerText()).toContain('AI_BASE_URL');
    expect(await page.locator('button[data-l-click="draft"]').count()).toBe(0);
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

describeBrowser('the assistant on the ask page, against an OpenAI-compatible server', () => {
  let app: INestApplication;
  let url: string;
  let chromium: Browser;
  let fake: FakeOpenAi;
  const words = Array.from({ length: 12 }, (_, i) => `word${i} `);

  beforeAll(async () => {
    fake = await startFakeOpenAi();
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always',
      AI_BASE_URL: fake.url,
      AI_API_KEY: 'test-key',
      AI_MODEL: 'fake-model',
    }));
    chromium = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await chromium?.close();
    await app?.close();
    await fake?.close();
  });

  /** The ask page with a question typed, recording every text the draft shows. */
  async function askPage(title: string) {
    const { page, errors } = await logIn(chromium, url, 'member@forum.example', '/ask');
    await page.fill('input[name="title"]', title);
    await page.fill('textarea[name="body"]', 'It fails once a day on a timeout.');
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { drafts: string[] }).drafts = seen;
      const draft = document.querySelector('.assistant .draft')!;
      new MutationObserver(() => seen.push(draft.textContent ?? '')).observe(draft, {
        childList: true,
        subtree: true,
        characterData: true,
      });
    });
    return { page, errors };
  }
  const drafts = (page: Page) =>
    page.evaluate(() => (window as unknown as { drafts: string[] }).drafts);

  it('streams the draft answer into the page token by token', async () => {
    fake.script('/chat/completions', { chunks: words, delayMs: 60 });
    const { page, errors } = await askPage('How do I retry a failed BullMQ job?');
    await page.click('button[data-l-click="draft"]');
    await page.locator('.assistant[data-status="done"]').waitFor();
    expect(await page.locator('.assistant .draft').textContent()).toBe(words.join(''));
    // Seen growing: several partial texts, each a prefix of the next, before the whole.
    const seen = (await drafts(page)).filter((text, i, all) => text && text !== all[i - 1]);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    seen.forEach((text, i) => i > 0 && expect(text.startsWith(seen[i - 1])).toBe(true));
    expect(seen[0].length).toBeLessThan(words.join('').length);
    // The question typed is what the server was asked, by the configured model.
    const [request] = fake.requestsTo('/chat/completions');
    expect(request.body).toMatchObject({ model: 'fake-model', stream: true });
    expect(JSON.stringify(request.body.messages)).toContain('How do I retry a failed BullMQ job?');
    expect(request.headers.authorization).toBe('Bearer test-key');
    expect(errors).toEqual([]);
  });

  it('stops the draft when cancelled: the text so far stays and nothing streams on', async () => {
    fake.reset();
    const slow = Array.from({ length: 200 }, (_, i) => `slow${i} `);
    fake.script('/chat/completions', { chunks: slow, delayMs: 50 });
    // Another question: the same one would be answered from the AI response cache.
    const { page, errors } = await askPage('How do I pause a BullMQ queue?');
    await page.click('button[data-l-click="draft"]');
    await page.waitForFunction(() =>
      document.querySelector('.assistant .draft')?.textContent?.includes('slow2'),
    );
    await page.click('button[data-l-click="stop"]');
    await page.locator('.assistant[data-status="cancelled"]').waitFor();
    await app.get(LiveAiStreams).settled();
    expect(app.get(LiveAiStreams).active).toBe(0);
    const kept = (await page.locator('.assistant .draft').textContent())!;
    expect(kept).toContain('slow2');
    expect(slow.join('').startsWith(kept)).toBe(true);
    expect(kept.length).toBeLessThan(slow.join('').length);
    await page.locator('button[data-l-click="draft"]').waitFor();
    expect(await page.locator('.assistant .stopped').innerText()).toBe('Stopped.');
    expect(errors).toEqual([]);
  });
});
