// Builds every library on its own into libs/<name>/dist, with its package.json and README,
// so `npm pack` there makes a publishable tarball. Libraries build in layer order
// (docs/architecture.md); a library's tsconfig.lib.json maps @lattice/* to ../*/dist.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const LAYERS = [
  'core',
  'database',
  'cache',
  'socket',
  'queue',
  'state',
  'security',
  'events',
  'live',
];
const root = new URL('..', import.meta.url).pathname;
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

const started = Date.now();
for (const name of LAYERS) {
  const dir = join(root, 'libs', name);
  const dist = join(dir, 'dist');
  rmSync(dist, { recursive: true, force: true });
  process.stdout.write(`building @lattice/${name} … `);
  execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.lib.json')], { stdio: 'inherit' });
  for (const file of ['package.json', 'README.md']) {
    if (existsSync(join(dir, file))) copyFileSync(join(dir, file), join(dist, file));
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  process.stdout.write(`${version} → libs/${name}/dist\n`);
}
process.stdout.write(
  `built ${LAYERS.length} librar${LAYERS.length === 1 ? 'y' : 'ies'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
