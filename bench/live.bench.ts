// Live templates: bytes on the wire for list updates (against the LiveView anchor in issue 4) and
// server-side rendering speed of an escaped 12-row table against Handlebars, in the same run.
import 'reflect-metadata';
import {
  diffNode,
  html,
  newStatics,
  render,
  renderToString,
  repeat,
  staticsRegistry,
  type TemplateResult,
} from '@lattice/live';
import Handlebars from 'handlebars';
import { interleave, machine, writeSection } from './support';

interface Question {
  id: number;
  title: string;
  author: string;
  score: number;
  answers: number;
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const questions = (n: number): Question[] =>
  Array.from({ length: n }, (_, i) => ({
    id: 1000 + i,
    title: `How do I ${['cache', 'queue', 'stream', 'render'][i % 4]} <things> & "stuff" #${i}?`,
    author: `user${i % 37}`,
    score: (i * 7) % 23,
    answers: i % 5,
  }));

/** A forum question row: link, title, author, score with vote buttons, answer count. */
const row = (q: Question) =>
  html`<li class="question" id="q-${q.id}"><a href="/questions/${q.id}">${q.title}</a> <span class="by">${q.author}</span> <button data-l-click="vote" data-l-value-id="${q.id}">▲</button><b>${q.score}</b> <i>${q.answers} answers</i></li>`;
const page = (list: Question[]) =>
  html`<section><h2>Questions</h2><ul>${repeat(list, (q) => q.id, row)}</ul></section>`;

interface PayloadCase {
  change: string;
  bytes: number;
  frame: string;
}

function payloads(): { join: number; joinHtml: number; cases: PayloadCase[] } {
  const base = questions(300);
  const before = render(page(base));
  const known = new Set<string>();
  const statics = newStatics(before, staticsRegistry, known);
  const join = bytes({ t: statics, d: before });
  const joinHtml = Buffer.byteLength(renderToString(page(base)));
  const frame = (after: Question[]) => {
    const diff = diffNode(before, render(page(after)));
    const message = { d: diff };
    return { bytes: bytes(message), frame: JSON.stringify(message) };
  };
  const voted = base.map((q) => (q.id === 1150 ? { ...q, score: q.score + 1 } : q));
  const fresh: Question = {
    id: 9999,
    title: 'A new question',
    author: 'ada',
    score: 0,
    answers: 0,
  };
  const moved = [...base];
  moved.splice(10, 0, ...moved.splice(200, 1));
  return {
    join,
    joinHtml,
    cases: [
      { change: 'one score changes (item 150 of 300)', ...frame(voted) },
      { change: 'a new question at the top', ...frame([fresh, ...base]) },
      { change: 'one question removed', ...frame(base.filter((q) => q.id !== 1150)) },
      { change: 'one question moves up (200 → 10)', ...frame(moved) },
    ],
  };
}

const hbsTable = Handlebars.compile(
  '<table><thead><tr><th>Question</th><th>Author</th><th>Score</th><th>Answers</th></tr></thead><tbody>{{#each rows}}<tr id="q-{{id}}"><td><a href="/questions/{{id}}">{{title}}</a></td><td>{{author}}</td><td>{{score}}</td><td>{{answers}}</td></tr>{{/each}}</tbody></table>',
);
const latticeTable = (rows: Question[]): TemplateResult =>
  html`<table><thead><tr><th>Question</th><th>Author</th><th>Score</th><th>Answers</th></tr></thead><tbody>${rows.map(
    (q) =>
      html`<tr id="q-${q.id}"><td><a href="/questions/${q.id}">${q.title}</a></td><td>${q.author}</td><td>${q.score}</td><td>${q.answers}</td></tr>`,
  )}</tbody></table>`;

async function main(): Promise<void> {
  const began = performance.now();
  const p = payloads();
  out(`join: ${fmt(p.join)} B (the same list as HTML: ${fmt(p.joinHtml)} B)`);
  for (const c of p.cases) out(`${c.change}: ${c.bytes} B ${c.frame.length < 200 ? c.frame : ''}`);

  const rows = questions(12);
  const lattice = renderToString(latticeTable(rows));
  const handlebars = hbsTable({ rows });
  // Both escape & < > " (Handlebars also escapes ' ` =); the pages must carry the same text.
  const text = (s: string) =>
    s
      .replace(/&#x27;|&#39;/g, "'")
      .replace(/&#x3D;/g, '=')
      .replace(/&#x60;/g, '`');
  if (text(lattice) !== text(handlebars))
    throw new Error(`outputs differ:\n${lattice}\n${handlebars}`);
  const [l, h] = await interleave(
    [
      {
        name: 'Lattice html`` renderToString',
        run: async () => renderToString(latticeTable(rows)),
      },
      { name: 'Handlebars (precompiled)', run: async () => hbsTable({ rows }) },
    ],
    { budgetMs: 3000, warmupMs: 500, sliceMs: 100 },
  );
  const ratio = l.perSecond / h.perSecond;
  out(
    `render: Lattice ${fmt(l.perSecond)}/s · Handlebars ${fmt(h.perSecond)}/s · ${ratio.toFixed(2)}×`,
  );
  const seconds = (performance.now() - began) / 1000;

  const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
  writeSection(
    'live',
    `## Live (@lattice/live)

\`npm run bench -- live\` · ${machine()} · the run took ${seconds.toFixed(0)} s.

Bytes on the wire for a 300-row keyed list of forum questions (each row: a link, an escaped title, the author, a vote button and the score; \`repeat(list, (q) => q.id, row)\`). A frame is the JSON \`{ "d": diff }\` that @lattice/live sends after a change (\`docs/live-protocol.md\`); the socket's topic envelope comes on top when @lattice/socket lands. The anchor is issue 4's: Phoenix LiveView sends 120 B for one changed item of such a list with temporary assigns; the goal is ≤ 100 B. LiveView itself was not run here (no Hex registry on this machine), so its figure is the issue's, not a measurement.

| change | Lattice frame | ≤ 100 B? | frame |
| --- | ---: | :---: | --- |
${p.cases.map((c) => `| ${c.change} | ${fmt(c.bytes)} B | ${c.bytes <= 100 ? 'yes' : 'no'} | ${c.bytes < 200 ? `\`${c.frame}\`` : '(new row inside)'} |`).join('\n')}

First join (statics and the full tree): ${fmt(p.join)} B; the same list as plain HTML is ${fmt(p.joinHtml)} B. The row's statics cross once per connection; each row then costs its dynamics only.

Server-side rendering of a 12-row table with escaped text (titles carry \`<\`, \`>\`, \`&\` and \`"\`), to a string, in process (no HTTP yet; the HTTP comparison with plain Nest + Handlebars comes with \`@LivePage()\`): Lattice's \`renderToString(html\\\`…\\\`)\` against a precompiled Handlebars template with the same markup, output checked equal. Both sides warm up for 500 ms, then alternate in slices of 100 ms until each has 3 s of timed calls.

| renderer | renders/s | p50 / p99 |
| --- | ---: | ---: |
| ${l.name} | ${fmt(l.perSecond)} | ${us(l.p50)} / ${us(l.p99)} |
| ${h.name} | ${fmt(h.perSecond)} | ${us(h.p50)} / ${us(h.p99)} |

Lattice ÷ Handlebars: ${ratio.toFixed(2)}× (goal ≥ 1.5×: ${ratio >= 1.5 ? 'met' : 'not met'}). Figures move between runs on this 2-core machine: compare rows of one run only.`,
  );
  out(`Finished in ${seconds.toFixed(1)} s.`);
}

void main();
