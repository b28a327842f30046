import type { INestApplication } from '@nestjs/common';
import { startForum, tempSqliteUrl } from '../support/forum-app';
import { json, signUp, type ApiClient } from '../support/http';
import { expectInert } from '../support/inert-html';
import { xssMarkup, xssUrls } from '../support/xss-payloads';

/**
 * Questions and answers written in Markdown, rendered on /q/:id (decision 0039): code
 * highlighted on the server, tables, links with rel="nofollow ugc noopener", and the repo's XSS
 * list inert in a question and in an answer.
 */

const BODY = [
  'How do I read a file?',
  '',
  '```ts',
  "const text = await readFile('notes.txt', 'utf8');",
  '```',
  '',
  '| Method | Blocking |',
  '| --- | --- |',
  '| readFile | no |',
  '| readFileSync | yes |',
  '',
  'See [the docs](https://nodejs.org/api/fs.html).',
].join('\n');

const MALICIOUS = [
  ...xssMarkup(),
  ...xssUrls().flatMap((url) => [`[link](${url})`, `![image](${url})`, `<${url}>`]),
].join('\n\n');

/** The rendered Markdown bodies of a question page, question first. */
function markdownBodies(page: string): string[] {
  return [...page.matchAll(/<div class="markdown">([\s\S]*?)<\/div>/g)].map((match) => match[1]);
}

describe('Markdown on the question page (SQLite, express)', () => {
  let app: INestApplication;
  let url: string;
  let member: ApiClient;

  beforeAll(async () => {
    ({ app, url } = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always', // for its tags
    }));
    member = (await signUp(url, 'Markdown Writer')).client;
  });
  afterAll(() => app?.close());

  async function ask(title: string, body: string): Promise<number> {
    const asked = await member.post('/questions', { title, body, tags: ['testing'] });
    expect(asked.status).toBe(201);
    return (await json(asked)).id as number;
  }

  it('renders a code block highlighted, a table and a link with rel in the question and its answers', async () => {
    const id = await ask('Reading a file in Node', BODY);
    const answered = await member.post(`/questions/${id}/answers`, {
      body: 'Use **`readFileSync`** only at start-up:\n\n```js\nconst config = readFileSync(path);\n```',
    });
    expect(answered.status).toBe(201);

    const response = await fetch(`${url}/q/${id}`);
    expect(response.status).toBe(200);
    const [question, answer, ...rest] = markdownBodies(await response.text());
    expect(rest).toEqual([]);
    expect(question).toContain('<pre><code class="hljs language-ts">');
    expect(question).toContain('<span class="hljs-keyword">const</span> text');
    expect(question).toContain(`<span class="hljs-string">'notes.txt'</span>`);
    expect(question).toContain('<th>Method</th>');
    expect(question).toContain('<td>readFileSync</td>\n<td>yes</td>');
    expect(question).toContain(
      '<a href="https://nodejs.org/api/fs.html" rel="nofollow ugc noopener noreferrer">the docs</a>',
    );
    expect(answer).toContain('<strong><code>readFileSync</code></strong>');
    expect(answer).toContain('<code class="hljs language-js">');
  });

  it('keeps the XSS list inert in a question and in an answer', async () => {
    const id = await ask('Is this markup safe?', MALICIOUS);
    const answered = await member.post(`/questions/${id}/answers`, { body: MALICIOUS });
    expect(answered.status).toBe(201);

    // The moderation may hold such a post: its author sees it all the same.
    const response = await member.get(`/q/${id}`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const bodies = markdownBodies(page);
    expect(bodies).toHaveLength(2);
    for (const body of bodies) {
      expectInert(body);
      expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;'); // shown, as text
    }
    // The page's only scripts are the ones every question page has.
    const scripts = (html: string) => html.match(/<script\b[^>]*>/gi);
    expect(scripts(page)).toEqual(scripts(await (await member.get('/q/1')).text()));
  });
});
