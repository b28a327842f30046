// Database reads: Lattice's repository (LatticeRepository / QuestionRepository) against the same
// query written with plain TypeORM on the same DataSource, on MariaDB with 100,000 questions.
// Run: npm run bench -- database   (needs MariaDB/MySQL at BENCH_MYSQL_URL, default
// mysql://root@127.0.0.1:3306; creates and drops the database lattice_bench)
import 'reflect-metadata';
import { LatticeModule } from '@lattice/core';
import { DatabaseModule, encodeCursor, type ListQuery } from '@lattice/database';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createConnection } from 'mysql2/promise';
import {
  DataSource,
  type AfterQueryEvent,
  type EntitySubscriberInterface,
  type SelectQueryBuilder,
} from 'typeorm';
import { Answer } from '../src/questions/answer.entity';
import { questionList } from '../src/questions/question-list.query';
import { Question } from '../src/questions/question.entity';
import { QuestionRepository } from '../src/questions/question.repository';
import { Tag } from '../src/questions/tag.entity';
import { Vote } from '../src/questions/vote.entity';
import { User } from '../src/users/user.entity';
import { interleave, machine, Result, Side, writeSection } from './support';

const SERVER_URL = (process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(
  /\/$/,
  '',
);
const DATABASE = 'lattice_bench';
const QUESTIONS = 100_000;
const USERS = 50;
const TAGS = [
  'nestjs',
  'typescript',
  'typeorm',
  'mysql',
  'redis',
  'websocket',
  'docker',
  'node.js',
  'testing',
  'cache',
  'auth',
  'queues',
];
const BATCH = 2_000;
const LIMIT = 20;
/** Timed work per side and case, after the warm-up. */
const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2_500);
const WARMUP_MS = 400;
/** Slow cases run past the budget until each side has this many timed calls. */
const MIN_SAMPLES = 8;
/** Lattice and raw alternate in slices of about this long. */
const SLICE_MS = 250;
const DEPTHS = [1_000, 10_000, 50_000, 90_000];
const GOAL_OVERHEAD = 10;
/** Cursor pages count as flat when the slowest depth's p50 is at most this many times the fastest's. */
const FLAT_RATIO = 2;

const out = (line: string) => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
/** Calls per second: one decimal below 10, so slow cases still show a difference. */
const rate = (n: number) => (n < 10 ? n.toFixed(1) : fmt(n));

/** Deterministic data from run to run (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function admin<T>(work: (sql: (q: string) => Promise<unknown>) => Promise<T>): Promise<T> {
  const connection = await createConnection({ uri: SERVER_URL });
  try {
    return await work(async (q) => (await connection.query(q))[0]);
  } finally {
    await connection.end();
  }
}

function progress(label: string, done: number, total: number): void {
  const line = `  ${label}: ${fmt(done)} / ${fmt(total)}`;
  if (process.stdout.isTTY) process.stdout.write(`\r${line}${done === total ? '\n' : ''}`);
  else out(line);
}

/** Multi-row INSERTs of BATCH rows, a progress line every 10,000. */
async function insert(
  dataSource: DataSource,
  table: string,
  columns: string[],
  rows: unknown[][],
): Promise<void> {
  for (let at = 0; at < rows.length; at += BATCH) {
    const chunk = rows.slice(at, at + BATCH);
    await dataSource.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ?`, [chunk]);
    const done = at + chunk.length;
    if (
      rows.length >= 10_000 &&
      (Math.floor(done / 10_000) > Math.floor(at / 10_000) || done === rows.length)
    )
      progress(table, done, rows.length);
  }
}

interface Counts {
  users: number;
  tags: number;
  questions: number;
  questionTags: number;
  answers: number;
}

async function fill(dataSource: DataSource): Promise<Counts> {
  const rand = random(42);
  const end = Date.UTC(2026, 0, 1);
  const twoYears = 2 * 365 * 24 * 3600 * 1000;
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));

  const start = new Date(end - twoYears);
  const users = Array.from({ length: USERS }, (_, i) => [
    i + 1,
    `User ${i + 1}`,
    `user${i + 1}@bench.lattice.test`,
    i === 0 ? 'admin' : 'member',
    int(0, 5000),
    start,
    start,
  ]);
  await insert(
    dataSource,
    'users',
    ['id', 'name', 'email', 'role', 'reputation', 'created_at', 'updated_at'],
    users,
  );
  const tags = TAGS.map((name, i) => [i + 1, name, `Questions about ${name}`, start, start]);
  await insert(dataSource, 'tags', ['id', 'name', 'description', 'created_at', 'updated_at'], tags);

  const questions: unknown[][] = [];
  const questionTags: unknown[][] = [];
  const answers: unknown[][] = [];
  for (let id = 1; id <= QUESTIONS; id++) {
    const createdAt = new Date(end - Math.floor(rand() * twoYears));
    // Every fifth question has one to three answers.
    const answerCount = id % 5 === 0 ? int(1, 3) : 0;
    questions.push([
      id,
      `Question ${id}: how do I page through ${TAGS[id % TAGS.length]} results without an offset?`,
      `Body of question ${id}. `.repeat(12),
      int(-5, 120),
      answerCount,
      int(1, USERS),
      createdAt,
      createdAt,
      1,
    ]);
    // One to three distinct tags, two on average.
    const count = int(1, 3);
    const first = int(1, TAGS.length);
    for (let k = 0; k < count; k++)
      questionTags.push([id, ((first - 1 + k * 5) % TAGS.length) + 1]);
    for (let k = 0; k < answerCount; k++) {
      const at = new Date(createdAt.getTime() + int(60_000, 86_400_000));
      answers.push([
        `Answer ${k + 1} to question ${id}.`,
        int(0, 30),
        k === 0,
        id,
        int(1, USERS),
        at,
        at,
      ]);
    }
  }
  await insert(
    dataSource,
    'questions',
    [
      'id',
      'title',
      'body',
      'score',
      'answer_count',
      'author_id',
      'created_at',
      'updated_at',
      'version',
    ],
    questions,
  );
  await insert(dataSource, 'question_tags', ['questions_id', 'tags_id'], questionTags);
  await insert(
    dataSource,
    'answers',
    ['body', 'score', 'accepted', 'question_id', 'author_id', 'created_at', 'updated_at'],
    answers,
  );
  await dataSource.query('ANALYZE TABLE users, tags, questions, question_tags, answers');
  return {
    users: users.length,
    tags: tags.length,
    questions: questions.length,
    questionTags: questionTags.length,
    answers: answers.length,
  };
}

/** Interleaved timing of the sides (see bench/support.ts). */
const measure = (sides: Side[], budgetMs = BUDGET_MS): Promise<Result[]> =>
  interleave(sides, { budgetMs, warmupMs: WARMUP_MS, sliceMs: SLICE_MS, minSamples: MIN_SAMPLES });

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;

/** Extra time per call: raw ops/s over Lattice ops/s, minus one. */
const overhead = (lattice: Result, raw: Result) => (raw.perSecond / lattice.perSecond - 1) * 100;

interface Pair {
  label: string;
  lattice: Result;
  raw: Result;
  sameRows: boolean;
  note?: string;
}

function pairTable(pairs: Pair[]): string {
  return [
    '| case | Lattice ops/s | Lattice p50 / p99 | raw TypeORM ops/s (baseline) | raw p50 / p99 | Lattice overhead | ≤ 10 %? |',
    '| --- | ---: | ---: | ---: | ---: | ---: | :---: |',
    ...pairs.map((p) => {
      const o = overhead(p.lattice, p.raw);
      const verdict = !p.sameRows ? 'n/a (wrong rows)' : o <= GOAL_OVERHEAD ? 'yes' : 'no';
      return `| ${p.label} | ${rate(p.lattice.perSecond)} | ${ms(p.lattice.p50)} / ${ms(p.lattice.p99)} | ${rate(p.raw.perSecond)} | ${ms(p.raw.p50)} / ${ms(p.raw.p99)} | ${o >= 0 ? '+' : ''}${o.toFixed(1)} % | ${verdict} |`;
    }),
  ].join('\n');
}

const ids = (rows: { id: number }[]) => rows.map((r) => r.id).join(',');

/** Every query `work` sends, as TypeORM reports it to subscribers. */
async function capture(
  dataSource: DataSource,
  work: () => Promise<unknown>,
): Promise<{ query: string; parameters: unknown[] }[]> {
  const seen: { query: string; parameters: unknown[] }[] = [];
  const spy: EntitySubscriberInterface = {
    afterQuery: (event: AfterQueryEvent) => {
      seen.push({ query: event.query, parameters: (event.parameters as unknown[]) ?? [] });
    },
  };
  dataSource.subscribers.push(spy);
  try {
    await work();
  } finally {
    dataSource.subscribers.splice(dataSource.subscribers.indexOf(spy), 1);
  }
  return seen;
}

/** Rows MariaDB read from `questions` running this query (ANALYZE FORMAT=JSON: r_loops × r_rows). */
async function rowsRead(dataSource: DataSource, query: string, parameters: unknown[]) {
  const [row] = (await dataSource.query(`ANALYZE FORMAT=JSON ${query}`, parameters)) as Record<
    string,
    string
  >[];
  let total = 0;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const table = node as { table_name?: string; r_loops?: number; r_rows?: number };
      if (table.table_name === 'question' && typeof table.r_rows === 'number')
        total += (table.r_loops ?? 1) * table.r_rows;
      Object.values(node).forEach(walk);
    }
  };
  walk(JSON.parse(Object.values(row)[0]));
  return Math.round(total);
}

async function main(): Promise<void> {
  const began = performance.now();
  out(`Recreating database ${DATABASE}…`);
  const version = await admin(async (sql) => {
    await sql(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await sql(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    return ((await sql('SELECT VERSION() AS v')) as { v: string }[])[0].v;
  });

  @Module({
    imports: [
      LatticeModule.forRoot({
        env: { DATABASE_URL: `${SERVER_URL}/${DATABASE}` },
        envFile: false,
        bootReport: false,
      }),
      DatabaseModule.forRoot({ synchronize: true }),
      DatabaseModule.forFeature([QuestionRepository, Answer, Tag, Vote, User]),
    ],
  })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  try {
    const dataSource = app.get(DataSource);
    const questions = app.get(QuestionRepository);
    const raw = dataSource.getRepository(Question);

    out(`Filling ${DATABASE} (${fmt(QUESTIONS)} questions)…`);
    const counts = await fill(dataSource);
    const setupSeconds = (performance.now() - began) / 1000;
    out(`Setup (create database, boot, fill, analyze) took ${setupSeconds.toFixed(1)} s.`);

    /** The list query of QuestionRepository.list, written with plain TypeORM. */
    const rawList = (): SelectQueryBuilder<Question> =>
      raw
        .createQueryBuilder('question')
        .leftJoinAndSelect('question.author', 'author')
        .leftJoinAndSelect('question.tags', 'tag')
        .orderBy('question.createdAt', 'DESC')
        .addOrderBy('question.id', 'DESC');
    const rawOffset = (page: number) =>
      rawList()
        .skip((page - 1) * LIMIT)
        .take(LIMIT)
        .getManyAndCount();
    const rawKeyset = (createdAt: string, id: number) =>
      rawList()
        .andWhere(
          '(question.createdAt < :createdAt OR (question.createdAt = :createdAt AND question.id < :id))',
          { createdAt, id },
        )
        .take(LIMIT + 1)
        .getMany();
    /**
     * The row at 1-based position `depth` of the -createdAt order, as a cursor made the way
     * paginate() makes its `next` (a date's value is the database's own text of it).
     */
    const rowAt = async (depth: number) => {
      const [row] = (await dataSource.query(
        'SELECT id, CAST(created_at AS CHAR) AS value FROM questions WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?',
        [depth - 1],
      )) as { id: number; value: string }[];
      const cursor = encodeCursor({ sort: '-createdAt', value: row.value, id: row.id });
      return { id: row.id, createdAt: row.value, cursor };
    };
    const latticeOffset = (page: number) =>
      questions.list(questionList.parse({ page: String(page) }));
    const latticeCursor = (cursor: string) => questions.list(questionList.parse({ cursor }));

    const pairs: Pair[] = [];
    const pair = async (
      label: string,
      lattice: () => Promise<{ id: number }[]>,
      baseline: () => Promise<{ id: number }[]>,
      note?: string,
    ) => {
      const [a, b] = [await lattice(), await baseline()];
      const sameRows = a.length > 0 && ids(a) === ids(b);
      if (!sameRows) out(`  ! ${label}: Lattice returned [${ids(a)}], raw returned [${ids(b)}]`);
      const [l, r] = await measure([
        { name: 'Lattice', run: lattice },
        { name: 'raw', run: baseline },
      ]);
      pairs.push({ label, lattice: l, raw: r, sameRows, note });
      out(
        `  ${label}: Lattice ${rate(l.perSecond)}/s p50 ${ms(l.p50)} · raw ${rate(r.perSecond)}/s p50 ${ms(r.p50)} · overhead ${overhead(l, r).toFixed(1)} %${sameRows ? '' : ' · ROWS DIFFER'}`,
      );
    };

    out('Measuring…');
    await pair(
      'a. offset, page 1 (with total)',
      async () => (await latticeOffset(1)).items,
      async () => (await rawOffset(1))[0],
    );
    await pair(
      'b. offset, page 2,500 (rows 49,981–50,000, with total)',
      async () => (await latticeOffset(2_500)).items,
      async () => (await rawOffset(2_500))[0],
    );
    const middle = await rowAt(50_000);
    // The cursor above must be the one the library hands out: the `next` of the page before it.
    const issued = (await latticeCursor((await rowAt(50_000 - LIMIT)).cursor)).page.next;
    const cursorAsIssued = issued === middle.cursor;
    if (!cursorAsIssued) out(`  ! cursor ${middle.cursor} differs from the issued ${issued}`);
    await pair(
      'c. cursor, page after row 50,000',
      async () => (await latticeCursor(middle.cursor)).items,
      async () => (await rawKeyset(middle.createdAt, middle.id)).slice(0, LIMIT),
    );
    const withAnswers = (
      (await dataSource.query(
        'SELECT id FROM questions WHERE answer_count > 0 ORDER BY id LIMIT 200',
      )) as { id: number }[]
    ).map((r) => r.id);
    let nextA = 0;
    let nextB = 0;
    const relations = { author: true, tags: true, answers: true } as const;
    await pair(
      'e. find by id with author, tags, answers',
      async () => [
        await questions.findById(withAnswers[nextA++ % withAnswers.length], { relations }),
      ],
      async () => {
        const found = await raw.findOne({
          where: { id: withAnswers[nextB++ % withAnswers.length] },
          relations,
        });
        return found ? [found] : [];
      },
    );
    const cachedPage = (
      build: (qb: SelectQueryBuilder<Question>) => SelectQueryBuilder<Question>,
    ) =>
      questions.paginate(questionList.parse({}) as ListQuery<Question>, {
        scope: (qb) => build(qb),
        load: (qb, q) =>
          qb
            .leftJoinAndSelect(`${q}.author`, 'author')
            .leftJoinAndSelect(`${q}.tags`, 'tag')
            .cache(60_000),
      });
    await pair(
      "f. offset page 1, cached: .cache('bench:list', 60000)",
      async () => (await cachedPage((qb) => qb.cache('bench:list', 60_000))).items,
      async () =>
        (await rawList().skip(0).take(LIMIT).cache('bench:list:raw', 60_000).getManyAndCount())[0],
    );
    // What the cache holds under the id the page query reads.
    const entry = await dataSource.queryResultCache?.getFromCache({
      identifier: 'bench:list',
      query: '',
      duration: 0,
    });
    const countUnderId = typeof entry?.result === 'string' && /^\[\{"cnt":/.test(entry.result);
    if (countUnderId) out(`  cache entry bench:list holds the count: ${String(entry?.result)}`);
    await pair(
      'f′. offset page 1, cached by SQL text: .cache(60000)',
      async () => (await cachedPage((qb) => qb.cache(60_000))).items,
      async () => (await rawList().skip(0).take(LIMIT).cache(60_000).getManyAndCount())[0],
    );

    out('Depth series (Lattice cursor vs Lattice offset)…');
    const mariadb = /mariadb/i.test(version);
    const depthBudget = Math.min(BUDGET_MS, 2_000);
    const depthRows: string[] = [];
    const series: {
      cursor: Result;
      bare: Result;
      offset: Result;
      readJoined?: number;
      readBare?: number;
    }[] = [];
    for (const depth of DEPTHS) {
      const row = await rowAt(depth);
      const page = depth / LIMIT + 1;
      const bareQuery = () => questionList.parse({ cursor: row.cursor });
      const cursorItems = (await latticeCursor(row.cursor)).items;
      const offsetItems = (await latticeOffset(page)).items;
      const bareItems = (await questions.paginate(bareQuery())).items;
      const same =
        cursorItems.length === LIMIT &&
        ids(cursorItems) === ids(offsetItems) &&
        ids(cursorItems) === ids(bareItems);
      const [cursor, bare, offset] = await measure(
        [
          { name: 'cursor', run: () => latticeCursor(row.cursor) },
          { name: 'cursor, no joins', run: () => questions.paginate(bareQuery()) },
          { name: 'offset', run: () => latticeOffset(page) },
        ],
        depthBudget,
      );
      // The query that picks the page's rows: TypeORM's SELECT DISTINCT over the joined rows, or
      // (no joins) the only query.
      let readJoined: number | undefined;
      let readBare: number | undefined;
      if (mariadb) {
        const joined = (await capture(dataSource, () => latticeCursor(row.cursor))).find((q) =>
          q.query.startsWith('SELECT DISTINCT'),
        );
        const [alone] = await capture(dataSource, () => questions.paginate(bareQuery()));
        if (joined) readJoined = await rowsRead(dataSource, joined.query, joined.parameters);
        if (alone) readBare = await rowsRead(dataSource, alone.query, alone.parameters);
      }
      series.push({ cursor, bare, offset, readJoined, readBare });
      depthRows.push(
        `| ${fmt(depth)} | ${fmt(page)} | ${rate(cursor.perSecond)} | ${ms(cursor.p50)} / ${ms(cursor.p99)} | ${readJoined === undefined ? '–' : fmt(readJoined)} | ${rate(offset.perSecond)} | ${ms(offset.p50)} / ${ms(offset.p99)} | ${rate(bare.perSecond)} | ${ms(bare.p50)} / ${ms(bare.p99)} | ${readBare === undefined ? '–' : fmt(readBare)} | ${same ? 'yes' : 'no'} |`,
      );
      out(
        `  depth ${fmt(depth)}: cursor ${rate(cursor.perSecond)}/s p50 ${ms(cursor.p50)} · offset ${rate(offset.perSecond)}/s p50 ${ms(offset.p50)} · cursor without joins ${rate(bare.perSecond)}/s p50 ${ms(bare.p50)}${same ? '' : ' · ROWS DIFFER'}`,
      );
    }

    const totalSeconds = (performance.now() - began) / 1000;
    /** Slowest p50 over fastest p50 across the depths; flat means ≤ FLAT_RATIO. */
    const spread = (pick: (s: (typeof series)[number]) => Result) => {
      const p50s = series.map((s) => pick(s).p50);
      return Math.max(...p50s) / Math.min(...p50s);
    };
    const cursorSpread = spread((s) => s.cursor);
    const bareSpread = spread((s) => s.bare);
    const first = series[0];
    const last = series[series.length - 1];
    const met = pairs.filter((p) => p.sameRows && overhead(p.lattice, p.raw) <= GOAL_OVERHEAD);
    const missed = pairs.filter((p) => !p.sameRows || overhead(p.lattice, p.raw) > GOAL_OVERHEAD);
    const letter = (p: Pair) => p.label.split('.')[0];
    const cached = pairs.find((p) => letter(p) === 'f');
    const flatWord = (ratio: number) => (ratio <= FLAT_RATIO ? 'flat' : 'not flat');

    const markdown = `## Database (@lattice/database)

\`npm run bench -- database\` · ${machine()} · MariaDB ${version} on the same machine · ${fmt(counts.questions)} questions (created over two years), ${fmt(counts.questionTags)} question–tag links, ${fmt(counts.answers)} answers, ${fmt(counts.users)} users, ${fmt(counts.tags)} tags · setup (create database, boot, fill with multi-row INSERTs, ANALYZE TABLE) took ${setupSeconds.toFixed(0)} s, the whole run ${totalSeconds.toFixed(0)} s.

Goal (from the issue): **Lattice overhead ≤ 10 %; cursor pages stay flat as depth grows.**

Each case runs the sample app's \`QuestionRepository\` (\`list()\`, which is \`paginate()\` with author and tags loaded, its input parsed by \`questionList.parse\`; \`findById()\`) against the same query written with a plain \`dataSource.getRepository(Question)\` query builder or \`findOne()\` (the baseline). Both run on the same DataSource, so the pool, naming strategy, query profiler subscriber and query cache are the same on both sides: the overhead measured is that of the repository layer. Pages are ${LIMIT} rows sorted by \`-createdAt\`; offset pages also count the total (Lattice: \`getCount()\` on the questions alone, raw: \`getManyAndCount()\` on the joined query); cursor pages fetch ${LIMIT + 1} rows on both sides, and the raw side writes the keyset \`WHERE\` by hand with the same bound value, the database's text of \`created_at\` that \`paginate()\` puts in its cursors${cursorAsIssued ? ' (the cursor used was checked equal to the `next` of the page before it)' : ''}. \`paginate()\` works in two steps: the page's ids from the questions table alone (keyset or offset on \`(created_at, id)\`), then those rows with author and tags; the raw side is TypeORM's own way, \`take()\` over the joined query. Each case checks first that both sides return the same rows. After a warm-up, Lattice and raw alternate in slices of ~${SLICE_MS} ms until each side has ${(BUDGET_MS / 1000).toFixed(1)} s of timed calls and at least ${MIN_SAMPLES} calls, one call in flight; ops/s is calls per second of that time, p50/p99 are per call (with fewer than 100 calls, p99 is the slowest call). Overhead is raw ops/s ÷ Lattice ops/s − 1.

${pairTable(pairs)}

Calls timed per side (Lattice/raw): ${pairs.map((p) => `${letter(p)} ${fmt(p.lattice.samples)}/${fmt(p.raw.samples)}`).join(', ')}.

${
  cached && !cached.sameRows
    ? `Case f is not a valid comparison: with a cache id, Lattice's page came back wrong (no items, while raw TypeORM returned the ${LIMIT} rows), so its ops/s is the cost of returning nothing. ${countUnderId ? `After the run, the cache entry \`bench:list\` held the count's result (\`${String(entry?.result)}\`): \`paginate()\` counts with \`getCount()\` on a clone of the query builder, which keeps the cache id, and the page query then reads that entry as its rows (TypeORM's own \`getManyAndCount()\` gives the count the id \`bench:list-count\`).` : ''} Case f′ caches the same page by its SQL text (\`.cache(60000)\`, no id), which returns the right rows. The raw side of f uses the id \`bench:list:raw\` so that the two sides do not read each other's entries.\n\n`
    : ''
}Cursor pages against depth, Lattice only (${(depthBudget / 1000).toFixed(1)} s and at least ${MIN_SAMPLES} calls per column and depth, interleaved). "cursor" is \`QuestionRepository.list({ cursor })\` (author and tags joined); "offset" fetches the same rows with \`page\` and counts the total; "cursor, no joins" is \`paginate({ cursor })\` on the questions alone:

| depth (rows before the page) | equivalent page | cursor ops/s | cursor p50 / p99 | cursor: question rows read | offset ops/s | offset p50 / p99 | cursor, no joins ops/s | no joins p50 / p99 | no joins: question rows read | same rows |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |
${depthRows.join('\n')}

Verdict, from these figures:

- Lattice overhead ≤ 10 %: ${met.length ? `met in ${met.map(letter).join(', ')}` : 'met in no case'}${missed.length ? `; not met in ${missed.map((p) => `${letter(p)} (${p.sameRows ? `${overhead(p.lattice, p.raw) >= 0 ? '+' : ''}${overhead(p.lattice, p.raw).toFixed(1)} %` : 'wrong rows'})`).join(', ')}` : ''}.
- Cursor pages stay flat (here: slowest p50 across depths ${fmt(DEPTHS[0])}–${fmt(DEPTHS[DEPTHS.length - 1])} at most ${FLAT_RATIO}× the fastest): ${cursorSpread <= FLAT_RATIO ? 'met' : 'not met'} for \`QuestionRepository.list\`, whose cursor pages are ${flatWord(cursorSpread)} (${cursorSpread.toFixed(2)}×, p50 ${ms(first.cursor.p50)} at ${fmt(DEPTHS[0])} and ${ms(last.cursor.p50)} at ${fmt(DEPTHS[DEPTHS.length - 1])}); without joins, cursor pages are ${flatWord(bareSpread)} (${bareSpread.toFixed(2)}×, p50 ${ms(first.bare.p50)} to ${ms(last.bare.p50)}). Offset p50 went from ${ms(first.offset.p50)} at ${fmt(DEPTHS[0])} to ${ms(last.offset.p50)} at ${fmt(DEPTHS[DEPTHS.length - 1])}.

${
  first.readJoined !== undefined && last.readJoined !== undefined
    ? `Rows read: to pick the ${LIMIT + 1} ids of a cursor page, the query of \`QuestionRepository.list\` read ${fmt(first.readJoined)} question rows at depth ${fmt(DEPTHS[0])} and ${fmt(last.readJoined)} at depth ${fmt(DEPTHS[DEPTHS.length - 1])}; without joins, ${fmt(first.readBare ?? 0)} and ${fmt(last.readBare ?? 0)} (ANALYZE FORMAT=JSON of the captured query, once per depth). `
    : ''
}The raw side is TypeORM's own way of paging a joined query: \`take()\` makes it pick the page's ids with \`SELECT DISTINCT … FROM (the joined query) ORDER BY … LIMIT\`, which reads every joined row before the page. \`paginate()\` takes the ids from the questions table alone (an index seek on \`(created_at, id)\`) and then loads those 20 rows with their author and tags, which is where the large negative overheads in a–c come from. On this 2-core machine, with MariaDB on the same cores, differences of a few per cent between Lattice and raw are within run-to-run noise: compare rows of one run, not across runs.`;
    writeSection('database', markdown);
    out(`\n${markdown}`);
  } finally {
    await app.close();
    await admin((sql) => sql(`DROP DATABASE IF EXISTS ${DATABASE}`));
    out(`Dropped ${DATABASE}; ran ${((performance.now() - began) / 1000).toFixed(0)} s.`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
