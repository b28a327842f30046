// Runs the benchmarks (all, or those named: `npm run bench -- pubsub`) and writes their
// figures into docs/benchmarks.md. Each benchmark compares Lattice with a named baseline.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('.', import.meta.url).pathname;
const all = readdirSync(dir)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.replace(/\.bench\.ts$/, ''));
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
    ['-r', '@swc-node/register', join(dir, `${name}.bench.ts`)],
    {
      stdio: 'inherit',
      cwd: join(dir, '..'),
    },
  );
  if (status !== 0) process.exit(status ?? 1);
}
