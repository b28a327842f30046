// What the Forum's Markdown costs a question page (decision 0039): GET /q/:id of a question
// with 30 answers, each body Markdown with a highlighted code block, a table, a list and links
// (~600 characters), the whole Forum booted as main.ts does (express, SQLite, in-memory drivers), one
// request in flight. "cold": MarkdownRenderer's cache emptied before each request, so the
// question and its 30 answers are parsed, highlighted and sanitized every time; "warm": the
// cache as a running Forum has it, each body only hashed. Interleaved, same process.
// Run: npm run bench -- markdown   (no services needed)
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { get } from 'node:http';
import { MarkdownRenderer } from '../src/markdown/markdown.renderer';
import { startForum, tempSqliteUrl } from '../test/support/forum-app';
import { json, signUp } from '../test/support/http';
import { interleave, machine, writeSection } from './support';

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 6000);
const ANSWERS = 30;
const out = (line: string) => process.stdout.write(`${line}\n`);
const ms = (value: number) => `${value.toFixed(2)} ms`;

function body(n: number): string {
  return [
    `Answer ${n}: read the file once at start-up and keep it; **never** block a request on it.`,
    '',
    '```ts',
    `import { readFile } from 'node:fs/promises';`,
    '',
    `export async function loadConfig(path: string): Promise<Record<string, string>> {`,
    `  const text = await readFile(path, 'utf8'); // ${n}`,
    `  return Object.fromEntries(text.split('\\n').map((line) => line.split('=')));`,
    '}',
    '```',
    '',
    '| Call | Blocks the loop | Use it |',
    '| --- | --- | --- |',
    '| `readFileSync` | yes | at start-up |',
    '| `readFile` | no | anywhere |',
    '',
    '- see [the fs docs](https://nodejs.org/api/fs.html)',
    '- and https://nodejs.org/en/learn for a _guide_',
    '- [x] cached',
  ].join('\n');
}

async function main() {
  let app: INestApplication | undefined;
  try {
    const started = await startForum('express', {
      DATABASE_URL: tempSqliteUrl(),
      FORUM_SEED_ON_START: 'always', // for its tags
    });
    app = started.app;
    const { url } = started;
    const writers = await Promise.all([0, 1, 2].map((n) => signUp(url, `Writer ${n}`)));
    const asked = await writers[0].client.post('/questions', {
      title: 'How should a Node service read its configuration file?',
      body: body(0),
      tags: ['testing'],
    });
    const id = (await json(asked)).id as number;
    // At most 10 answers a minute per member: three members.
    for (let n = 1; n <= ANSWERS; n++) {
      const posted = await writers[n % 3].client.post(`/questions/${id}/answers`, {
        body: body(n),
      });
      if (posted.status !== 201) throw new Error(`answer ${n}: ${posted.status}`);
    }
    // The Forum allows 300 page views a minute from one address: each request comes from the
    // next loopback address (127.0.0.2–254), as many readers' would.
    let from = 0;
    const page = () =>
      new Promise<string>((resolve, reject) => {
        const localAddress = `127.0.0.${2 + (from++ % 253)}`;
        get(`${url}/q/${id}`, { localAddress, agent: false }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () =>
            response.statusCode === 200
              ? resolve(text)
              : reject(new Error(`GET /q/${id}: ${response.statusCode}`)),
          );
        }).on('error', reject);
      });
    const shown = (await page()).match(/<div class="markdown">/g)?.length;
    if (shown !== ANSWERS + 1)
      throw new Error(`the page shows ${shown} bodies, not ${ANSWERS + 1}`);

    const markdown = app.get(MarkdownRenderer);
    const results = await interleave(
      [
        {
          name: 'cold',
          run: () => {
            markdown.clear();
            return page();
          },
        },
        { name: 'warm', run: page },
      ],
      { budgetMs: BUDGET_MS, warmupMs: 500, sliceMs: 250, minSamples: 20 },
    );
    const [cold, warm] = results;
    for (const r of results)
      out(
        `${r.name}: ${r.perSecond.toFixed(1)}/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (${r.samples})`,
      );

    // The renderer alone, 31 bodies, for the part of a page view it is.
    const bodies = Array.from({ length: ANSWERS + 1 }, (_, n) => body(n));
    const fresh = new MarkdownRenderer();
    const loop = (each: () => void, times: number) => {
      const t0 = performance.now();
      for (let i = 0; i < times; i++) each();
      return (performance.now() - t0) / times;
    };
    const renderCold = loop(() => {
      fresh.clear();
      for (const text of bodies) fresh.render(text);
    }, 50);
    const renderWarm = loop(() => {
      for (const text of bodies) fresh.render(text);
    }, 2000);
    out(`renderer, 31 bodies: cold ${ms(renderCold)}, warm ${ms(renderWarm)}`);

    writeSection(
      'markdown',
      `
## Markdown on the question page (the Forum)

\`npm run bench -- markdown\` (\`bench/markdown.bench.ts\`, ${machine()}): \`GET /q/:id\` of a
question with ${ANSWERS} answers, every body ${Math.round(body(1).length / 10) * 10} characters of Markdown (a highlighted TypeScript block, a
table, a list, links), the Forum booted as \`main.ts\` does it (express, SQLite, in-memory
drivers), one request in flight, interleaved. Cold: \`MarkdownRenderer\`'s cache emptied before
each request (31 bodies parsed, highlighted and sanitized); warm: each body found by its SHA-256
(decision 0039). The machine is shared with other work: compare the rows, not the runs.

| Page view | req/s | p50 | p99 | samples |
| --- | ---: | ---: | ---: | ---: |
| Markdown cache cold | ${cold.perSecond.toFixed(1)} | ${ms(cold.p50)} | ${ms(cold.p99)} | ${cold.samples} |
| Markdown cache warm | ${warm.perSecond.toFixed(1)} | ${ms(warm.p50)} | ${ms(warm.p99)} | ${warm.samples} |

The renderer alone, the same 31 bodies: ${ms(renderCold)} cold, ${ms(renderWarm)} warm (a loop of 50 and
2,000 pages).
`,
    );
  } finally {
    await app?.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
