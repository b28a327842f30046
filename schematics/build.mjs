// Builds @lattice/schematics into schematics/dist: the factories compiled to CommonJS, and
// collection.json, each schema.json and each files/ folder of templates copied beside them, with
// package.json and README.md, so `npm pack` there makes the publishable tarball.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('.', import.meta.url).pathname;
const src = join(here, 'src');
const dist = join(here, 'dist');
const tsc = join(here, '..', 'node_modules', 'typescript', 'bin', 'tsc');

const started = Date.now();
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
copyFileSync(join(src, 'collection.json'), join(dist, 'collection.json'));
for (const entry of readdirSync(src, { withFileTypes: true })) {
  if (!entry.isDirectory()) continue;
  for (const asset of ['schema.json', 'files']) {
    const from = join(src, entry.name, asset);
    if (existsSync(from)) cpSync(from, join(dist, entry.name, asset), { recursive: true });
  }
}
for (const file of ['package.json', 'README.md']) {
  if (existsSync(join(here, file))) copyFileSync(join(here, file), join(dist, file));
}
process.stdout.write(
  `built @lattice/schematics → schematics/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
