// The offline AI provider: embeddings per second, and "similar questions" search over 500 and
// 100,000 generated questions.
//   Embeddings: OfflineProvider.embed() of one question title vs wink-nlp parsing the same title
//     alone (readDoc and the token arrays: the floor under any wink-based embedding).
//   Search (top 5 of a query's embedding): VectorIndex (brute force over one Float32Array) and
//     SparseVectorIndex (inverted lists per dimension) vs a naive baseline (an array of
//     Float32Array vectors, every score computed, then a full sort); and the Forum's whole step
//     per typed title: embed it, then search.
// Run: npm run bench -- ai-offline   (no services; about 1 GB of memory at 100,000 questions)
import { OfflineProvider, SparseVectorIndex, VectorIndex, type VectorMatch } from '@lattice/ai';
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import winkNLP from 'wink-nlp';
import winkModel from 'wink-eng-lite-web-model';
import { runInNewContext } from 'node:vm';
import { interleave, machine, Result, Side, writeSection } from './support';

// Memory per index is measured between full collections.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const BUDGET_MS = Number(process.env.BENCH_BUDGET_MS ?? 2_000);
const WARMUP_MS = 300;
const SLICE_MS = 200;
const SIZES = [500, 100_000];
const K = 5;
const QUERIES = 1_000;

const out = (line = '') => process.stdout.write(`${line}\n`);
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 1 ? `${(n * 1000).toFixed(0)} µs` : `${n.toFixed(2)} ms`);

// ---- Generated questions: forum-like titles from templates, deterministic --------------------

const TOPICS = [
  'Redis cache',
  'database migration',
  'JWT refresh token',
  'CORS policy',
  'Docker image',
  'WebSocket connection',
  'file upload',
  'unit test mock',
  'environment variable',
  'password hash',
  'cursor pagination',
  'confirmation email',
  'queue job retry',
  'slow SQL query',
  'rate limit',
  'JSON logging',
  'TypeScript path alias',
  'session cookie',
  'GraphQL resolver',
  'cron schedule',
  'connection pool',
  'foreign key',
  'live component',
  'CSRF token',
  'S3 bucket',
  'Kubernetes pod',
  'memory leak',
  'event stream',
  'search index',
  'OAuth login',
  'i18n translation',
  'PDF export',
];
const TECH = [
  'NestJS',
  'Node 24',
  'MariaDB',
  'PostgreSQL',
  'SQLite',
  'Redis',
  'BullMQ',
  'Jest',
  'Docker',
  'Nginx',
  'TypeORM',
  'Express',
  'Fastify',
  'Chromium',
  'Linux',
  'Windows',
  'AWS',
  'Vite',
];
const TEMPLATES = [
  'How do I configure the {t} in {x}?',
  'Why does the {t} fail after upgrading {x}?',
  '{t} is very slow with {x}, any idea?',
  'Best way to test the {t} with {x}',
  'Error when the {t} runs on {x}',
  'Can I share one {t} between two {x} apps?',
  'What is the default {t} setting of {x}?',
  '{t} works locally but not in production on {x}',
  'How to debug a broken {t} under {x}?',
  'Moving the {t} from {x} to the cloud',
];

function generator(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 48271) % 2147483647) / 2147483647;
}

function questions(count: number, seed: number): string[] {
  const random = generator(seed);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
  return Array.from({ length: count }, (_, i) =>
    pick(TEMPLATES)
      .replace('{t}', pick(TOPICS))
      .replace('{x}', pick(TECH))
      // A number now and then, as titles have ("error 500", "version 3").
      .concat(i % 7 === 0 ? ` (${Math.floor(random() * 900) + 100})` : ''),
  );
}

// ---- The naive baseline ----------------------------------------------------------------------

class NaiveIndex {
  private readonly vectors: { id: number; vector: Float32Array }[] = [];
  add(id: number, vector: Float32Array): void {
    this.vectors.push({ id, vector });
  }
  search(query: Float32Array, k: number): VectorMatch<number>[] {
    return this.vectors
      .map(({ id, vector }) => {
        let score = 0;
        for (let d = 0; d < vector.length; d++) score += vector[d] * query[d];
        return { id, score };
      })
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }
}

// ---- Run -------------------------------------------------------------------------------------

interface SearchRow {
  size: number;
  buildSeconds: Record<string, number>;
  memoryMB: Record<string, number>;
  results: Result[];
}

async function main(): Promise<void> {
  const started = performance.now();
  const provider = new OfflineProvider('offline');
  const signal = new AbortController().signal;
  const loadStart = performance.now();
  provider.warmUp();
  const loadMs = performance.now() - loadStart;
  out(`wink-nlp English model loaded in ${loadMs.toFixed(0)} ms`);

  // wink alone, the same way the provider loads it.
  const nlp = winkNLP(winkModel);
  const its = nlp.its as unknown as Record<string, unknown>;
  const titles = questions(5_000, 1);
  let t = 0;
  let w = 0;
  out('Embeddings (one title per call)…');
  const [embed, parse] = await interleave(
    [
      {
        name: 'OfflineProvider.embed()',
        run: () =>
          provider.embed({ model: 'offline', input: [titles[t++ % titles.length]] }, signal),
      },
      {
        name: 'wink-nlp readDoc + token arrays (baseline: parsing alone)',
        run: async () => {
          const tokens = nlp.readDoc(titles[w++ % titles.length]).tokens() as unknown as {
            out(helper: unknown): unknown[];
          };
          for (const helper of ['normal', 'lemma', 'pos', 'type', 'stopWordFlag'])
            tokens.out(its[helper]);
        },
      },
    ],
    { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS },
  );
  for (const r of [embed, parse])
    out(`  ${r.name}: ${fmt(r.perSecond)}/s, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}`);

  const rows: SearchRow[] = [];
  const queryTitles = questions(QUERIES, 99);
  const queries = (
    await provider.embed({ model: 'offline', input: queryTitles }, signal)
  ).embeddings.map((e) => Float32Array.from(e));
  let corpusEmbedPerSecond = 0;
  for (const size of SIZES) {
    out(`Search over ${fmt(size)} questions…`);
    const corpus = questions(size, 7);
    let t0 = performance.now();
    const vectors = (
      await provider.embed({ model: 'offline', input: corpus }, signal)
    ).embeddings.map((e) => Float32Array.from(e));
    const embedSeconds = (performance.now() - t0) / 1000;
    if (size === SIZES[SIZES.length - 1]) corpusEmbedPerSecond = size / embedSeconds;
    out(`  embedded in ${embedSeconds.toFixed(1)} s (${fmt(size / embedSeconds)}/s)`);
    const buildSeconds: Record<string, number> = {};
    const memoryMB: Record<string, number> = {};
    const build = <T>(name: string, make: () => T): T => {
      gc();
      const before = process.memoryUsage();
      t0 = performance.now();
      const index = make();
      buildSeconds[name] = (performance.now() - t0) / 1000;
      gc();
      const after = process.memoryUsage();
      memoryMB[name] =
        (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 1e6;
      return index;
    };
    const dense = build('VectorIndex', () => {
      const index = new VectorIndex<number>({ dimensions: provider.dimensions });
      vectors.forEach((v, id) => index.add(id, v));
      return index;
    });
    const sparse = build('SparseVectorIndex', () => {
      const index = new SparseVectorIndex<number>({ dimensions: provider.dimensions });
      vectors.forEach((v, id) => index.add(id, v));
      return index;
    });
    const naive = build('naive', () => {
      const index = new NaiveIndex();
      vectors.forEach((v, id) => index.add(id, Float32Array.from(v)));
      return index;
    });
    // Same answers from all three before any is timed (scores may tie: compare the scores).
    for (let q = 0; q < 50; q++) {
      const expected = naive.search(queries[q], K).map((hit) => hit.score.toFixed(4));
      for (const index of [dense, sparse]) {
        const got = index.search(queries[q], { k: K }).map((hit) => hit.score.toFixed(4));
        if (got.join() !== expected.join()) {
          throw new Error(`Indexes disagree on query ${q}: ${got.join()} vs ${expected.join()}`);
        }
      }
    }
    const cycle = (name: string, run: (q: number) => unknown): Side => {
      let q = 0;
      return { name, run: async () => run(q++ % QUERIES) };
    };
    const results = await interleave(
      [
        cycle('VectorIndex.search (brute force)', (q) => dense.search(queries[q], { k: K })),
        cycle('SparseVectorIndex.search (inverted lists)', (q) =>
          sparse.search(queries[q], { k: K }),
        ),
        cycle('naive baseline (score all, sort)', (q) => naive.search(queries[q], K)),
        cycle('embed the title + SparseVectorIndex.search', async (q) => {
          const [vector] = (
            await provider.embed({ model: 'offline', input: [queryTitles[q]] }, signal)
          ).embeddings;
          return sparse.search(vector, { k: K });
        }),
      ],
      { budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, sliceMs: SLICE_MS, minSamples: 20 },
    );
    for (const r of results)
      out(`  ${r.name}: p50 ${ms(r.p50)}, p99 ${ms(r.p99)} (${fmt(r.perSecond)}/s)`);
    rows.push({ size, buildSeconds, memoryMB, results });
  }

  const seconds = (performance.now() - started) / 1000;
  const searchTable = rows.flatMap((row) =>
    row.results.map((r) => {
      const key = r.name.startsWith('VectorIndex')
        ? 'VectorIndex'
        : r.name.startsWith('SparseVectorIndex')
          ? 'SparseVectorIndex'
          : r.name.startsWith('naive')
            ? 'naive'
            : undefined;
      const memory = key ? `${row.memoryMB[key].toFixed(0)} MB` : '';
      const build = key ? `${row.buildSeconds[key].toFixed(2)} s` : '';
      return `| ${fmt(row.size)} | ${r.name} | ${ms(r.p50)} | ${ms(r.p99)} | ${fmt(r.perSecond)} | ${build} | ${memory} |`;
    }),
  );
  writeSection(
    'ai-offline',
    `## AI: the offline provider (embeddings, similar-question search)

\`npm run bench -- ai-offline\` · ${machine()} · no services · load average ${loadavg()[0].toFixed(1)} at the end (the machine is shared: p99s
widen with it) · the run took ${seconds.toFixed(0)} s.

Embeddings are the offline provider's 512-dimension feature-hashed vectors of generated
forum-like titles (templates × 32 topics × 18 technologies). The wink-nlp model loaded in
${loadMs.toFixed(0)} ms (once per process, on first use).

| embeddings, one title per call | per second | p50 | p99 |
| --- | --- | --- | --- |
| ${embed.name} | ${fmt(embed.perSecond)} | ${ms(embed.p50)} | ${ms(embed.p99)} |
| ${parse.name} | ${fmt(parse.perSecond)} | ${ms(parse.p50)} | ${ms(parse.p99)} |
| OfflineProvider.embed() of ${fmt(SIZES[SIZES.length - 1])} titles in one call | ${fmt(corpusEmbedPerSecond)} | | |

Search: top ${K} by cosine for the embedding of a title (${fmt(QUERIES)} different titles in turn),
every side checked to return the same scores first. Build time and memory (heap + array buffers)
of each index holding the questions; the last row is the Forum's whole step per typed title.

| questions | search | p50 | p99 | per second | build | memory |
| --- | --- | --- | --- | --- | --- | --- |
${searchTable.join('\n')}
`,
  );
  out(`Written to docs/benchmarks.md (${seconds.toFixed(0)} s).`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
