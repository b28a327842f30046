// Builds @lattice/schematics into schematics/dist: the factories compiled to CommonJS, and
// collection.json, each schema.json and every folder of templates (files/, resource's migrations/)
// copied beside them, with
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
  const schema = join(src, entry.name, 'schema.json');
  if (!existsSync(schema)) continue; // utils/, testing/: compiled code or test helpers only
  copyFileSync(schema, join(dist, entry.name, 'schema.json'));
  // Every sub-folder of a schematic holds templates (url('./files'), url('./migrations')).
  for (const folder of readdirSync(join(src, entry.name), { withFileTypes: true })) {
    if (folder.isDirectory())
      cpSync(join(src, entry.name, folder.name), join(dist, entry.name, folder.name), {
        recursive: true,
      });
  }
}
for (const file of ['package.json', 'README.md']) {
  if (existsSync(join(here, file))) copyFileSync(join(here, file), join(dist, file));
}
process.stdout.write(
  `built @lattice/schematics → schematics/dist in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
