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
import { LatticeModule } from '@lattice/core';
import {
  Component,
  ComponentService,
  LiveModule,
  LiveRenderer,
  LiveUpdates,
  type OnLivePublish,
} from '@lattice/live';
import { SocketModule } from '@lattice/socket';
import { Controller, Get, Header, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { WsAdapter } from '@nestjs/platform-ws';
import Handlebars from 'handlebars';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import WebSocket from 'ws';
import { interleave, machine, median, percentile, writeSection } from './support';

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

/** A ticker every session follows: the fan-out case. */
@Component({ name: 'bench-ticker' })
class Ticker
  extends ComponentService<Record<string, never>, { value: number; sentAt: number }>
  implements OnLivePublish<{ value: number; sentAt: number }>
{
  mount() {
    return { value: 0, sentAt: 0 };
  }
  render({ value, sentAt }: { value: number; sentAt: number }) {
    return html`<p>Value <b>${value}</b> <i data-at="${sentAt}"></i></p>`;
  }
  subscriptions() {
    return ['bench:ticker'];
  }
  onPublish(_topic: string, payload: unknown) {
    this.setState(payload as { value: number; sentAt: number });
  }
}

/** The same 12-row page served over HTTP by one Nest app, rendered either way. */
@Controller()
class TablePages {
  private readonly rows = questions(12);

  @Get('lattice')
  @Header('Content-Type', 'text/html; charset=utf-8')
  lattice(): string {
    return renderToString(latticeTable(this.rows));
  }

  @Get('handlebars')
  @Header('Content-Type', 'text/html; charset=utf-8')
  handlebars(): string {
    return hbsTable({ rows: this.rows });
  }
}

interface HttpRound {
  side: 'lattice' | 'handlebars';
  perSecond: number;
}

/** Requests/s from wrk (a second process), alternating the two routes in rounds. */
async function overHttp(): Promise<HttpRound[] | string> {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT')
      return 'wrk is not installed (apt-get install wrk)';
  }
  @Module({ controllers: [TablePages] })
  class HttpBenchModule {}
  const app = await NestFactory.create(HttpBenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const rounds: HttpRound[] = [];
  try {
    for (let round = 0; round < 3; round++) {
      const order: Array<'lattice' | 'handlebars'> =
        round % 2 ? ['handlebars', 'lattice'] : ['lattice', 'handlebars'];
      for (const side of order) {
        // Asynchronously: the server answering wrk runs in this very process.
        const { stdout: report } = await promisify(execFile)('wrk', [
          '-t1',
          '-c16',
          '-d4s',
          `http://127.0.0.1:${port}/${side}`,
        ]);
        const perSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(report)?.[1]);
        rounds.push({ side, perSecond });
      }
    }
  } finally {
    await app.close();
  }
  return rounds;
}

const SESSIONS = 1000;
const UPDATES = 50;

interface FanOut {
  frames: number;
  seconds: number;
  latencies: number[];
  heapPerSession: number;
}

/** 1,000 live sessions on one node (in-process PubSub), all following one topic. */
async function fanOut(): Promise<FanOut> {
  @Module({
    imports: [
      LatticeModule.forRoot({ env: { LOG_LEVEL: 'error' }, envFile: false, bootReport: false }),
      SocketModule.forRoot({ rateLimit: { messages: 1000, perMs: 1000 } }),
      LiveModule.forRoot({ secret: 'bench-secret-bench-secret-bench-secret-42' }),
    ],
    providers: [Ticker],
  })
  class BenchModule {}
  const app = await NestFactory.create(BenchModule, { logger: false });
  app.useWebSocketAdapter(new WsAdapter(app));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const renderer = app.get(LiveRenderer);
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  try {
    // Connect every client first, so the heap figure below counts the sessions, not the sockets.
    const clients: WebSocket[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      clients.push(ws);
    }
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const latencies: number[] = [];
    let frames = 0;
    let expected = 0;
    let allArrived: () => void = () => undefined;
    await Promise.all(
      clients.map(async (ws) => {
        const markup = await renderer.component('bench-ticker', {});
        const topic = /data-l-topic="([^"]+)"/.exec(markup)![1];
        const token = /data-l-token="([^"]+)"/.exec(markup)![1];
        const joined = new Promise<void>((resolve) =>
          ws.on('message', (data) => {
            const [, event, payload] = JSON.parse(data.toString()) as [
              string,
              string,
              { d: Record<string, string> },
            ];
            if (event === 'reply') return resolve();
            if (event !== 'diff') return;
            const sentAt = Number(payload.d['1']); // the second dynamic is the publish time
            latencies.push(performance.timeOrigin + performance.now() - sentAt);
            if (++frames === expected) allArrived();
          }),
        );
        ws.send(JSON.stringify([topic, 'join', { token }, '1']));
        await joined;
      }),
    );
    gc();
    const heapPerSession = (process.memoryUsage().heapUsed - heapBefore) / SESSIONS;
    const live = app.get(LiveUpdates);
    expected = SESSIONS * UPDATES;
    const done = new Promise<void>((resolve) => (allArrived = resolve));
    const started = performance.now();
    for (let value = 1; value <= UPDATES; value++) {
      await live.publish('bench:ticker', {
        value,
        sentAt: Math.round(performance.timeOrigin + performance.now()),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await done;
    const seconds = (performance.now() - started) / 1000;
    for (const ws of clients) ws.close();
    return { frames, seconds, latencies, heapPerSession };
  } finally {
    await app.close();
  }
}

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
  const http = await overHttp();
  const httpMedian = (side: 'lattice' | 'handlebars') =>
    typeof http === 'string'
      ? 0
      : median(http.filter((r) => r.side === side).map((r) => r.perSecond));
  if (typeof http !== 'string') {
    out(
      `HTTP: Lattice ${fmt(httpMedian('lattice'))} req/s · Handlebars ${fmt(httpMedian('handlebars'))} req/s`,
    );
  }
  const f = await fanOut();
  out(
    `fan-out: ${fmt(f.frames)} frames in ${f.seconds.toFixed(2)} s · p50 ${median(f.latencies).toFixed(1)} ms p99 ${percentile(f.latencies, 99).toFixed(1)} ms · heap ${fmt(f.heapPerSession)} B/session`,
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

Server-side rendering of a 12-row table with escaped text (titles carry \`<\`, \`>\`, \`&\` and \`"\`), to a string, in process: Lattice's \`renderToString(html\\\`…\\\`)\` against a precompiled Handlebars template with the same markup, output checked equal. Both sides warm up for 500 ms, then alternate in slices of 100 ms until each has 3 s of timed calls.

| renderer | renders/s | p50 / p99 |
| --- | ---: | ---: |
| ${l.name} | ${fmt(l.perSecond)} | ${us(l.p50)} / ${us(l.p99)} |
| ${h.name} | ${fmt(h.perSecond)} | ${us(h.p50)} / ${us(h.p99)} |

Lattice ÷ Handlebars: ${ratio.toFixed(2)}× (goal ≥ 1.5×: ${ratio >= 1.5 ? 'met' : 'not met'}).

${
  typeof http === 'string'
    ? `Over HTTP: not measured (${http}).`
    : `Over HTTP, the same two renders behind one plain Nest app (Express, a controller per route returning the page): \`wrk -t1 -c16 -d4s\` from a second process, 3 rounds per route, alternating which goes first. HTTP handling weighs as much as the render here, so the gap narrows.

| route | requests/s per round | median |
| --- | --- | ---: |
| Lattice \`renderToString\` | ${http
        .filter((r) => r.side === 'lattice')
        .map((r) => fmt(r.perSecond))
        .join(', ')} | ${fmt(httpMedian('lattice'))} |
| Handlebars | ${http
        .filter((r) => r.side === 'handlebars')
        .map((r) => fmt(r.perSecond))
        .join(', ')} | ${fmt(httpMedian('handlebars'))} |

Lattice ÷ Handlebars over HTTP: ${(httpMedian('lattice') / httpMedian('handlebars')).toFixed(2)}× (goal ≥ 1.5×: ${httpMedian('lattice') / httpMedian('handlebars') >= 1.5 ? 'met' : 'not met'}).`
}

Fan-out: ${fmt(SESSIONS)} live sessions of one component on one node (in-process PubSub; the clients are \`ws\` sockets in the same process, on loopback), each following the topic \`bench:ticker\`. ${UPDATES} updates are published 20 ms apart with \`LiveUpdates.publish()\`; each reaches every session's \`onPublish\`, is rendered, diffed and sent. Latency is from the publish call to the frame's arrival at the client (same clock).

| sessions | updates | frames delivered | time | frames/s | latency p50 / p99 |
| ---: | ---: | ---: | ---: | ---: | ---: |
| ${fmt(SESSIONS)} | ${UPDATES} | ${fmt(f.frames)} | ${f.seconds.toFixed(2)} s | ${fmt(f.frames / f.seconds)} | ${median(f.latencies).toFixed(1)} ms / ${percentile(f.latencies, 99).toFixed(1)} ms |

Memory per live session: ${fmt(f.heapPerSession)} bytes of heap (the heap after joining ${fmt(SESSIONS)} sessions minus the heap with the same sockets connected but not joined, after a full GC each time; it covers the instance, its state, its last rendered tree and its subscriptions). Figures move between runs on this 2-core machine: compare rows of one run only.`,
  );
  out(`Finished in ${seconds.toFixed(1)} s.`);
}

void main();
