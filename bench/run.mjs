// Runs the benchmarks (all, or those named: `npm run bench -- pubsub`) and writes their
// figures into docs/benchmarks.md. Each benchmark compares Lattice with a named baseline.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
// bench/<name>.bench.ts, and bench/cluster/<name>.ts as `cluster/<name>` (children and support
// files there end in .child.ts or .support.ts).
const all = [
  ...readdirSync(dir)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.replace(/\.bench\.ts$/, '')),
  ...readdirSync(join(dir, 'cluster'))
    .filter((file) => file.endsWith('.ts') && !/\.(child|support)\.ts$/.test(file))
    .map((file) => `cluster/${file.replace(/\.ts$/, '')}`),
];
const entry = (name) => (name.startsWith('cluster/') ? `${name}.ts` : `${name}.bench.ts`);
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !all.includes(name));
if (unknown.length) {
  console.error(`Unknown benchmark: ${unknown.join(', ')}. Available: ${all.join(', ')}.`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : all) {
  console.log(`\n▶ ${name}`);
  const { status } = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', join(dir, entry(name))],
    {
      stdio: 'inherit',
      cwd: join(dir, '..'),
    },
  );
  if (status !== 0) process.exit(status ?? 1);
}
