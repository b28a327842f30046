// What the build and the package tests need to know about each library: its entry points
// (`.` and every `src/<sub>/index.ts`), its browser scripts, and the packages its code imports.
// Used by scripts/build-libs.mjs (exports maps, browser scripts) and test/packages/ (the check
// that every import is declared).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

export const root = resolve(new URL('..', import.meta.url).pathname);

/** Libraries in layer order (docs/architecture.md): each builds after those it imports. */
export const LIBRARIES = [
  'core',
  'database',
  'cache',
  'socket',
  'queue',
  'state',
  'security',
  'events',
  'live',
  'ai',
  'cluster',
  'cli',
];

/**
 * Browser scripts, bundled by `npm run build` into the package (`dist/<dir>/<name>.<hash>.js`
 * and a manifest beside it). Their imports (morphdom, socket's client) are bundled, so they are
 * not runtime dependencies of the package.
 */
export const BROWSER_SCRIPTS = {
  live: [{ entry: 'client/runtime.ts', name: 'live' }],
  events: [{ entry: 'client/browser.ts', name: 'events' }],
};

/** The file name of the manifest written beside the browser scripts of a folder. */
export const BROWSER_MANIFEST = 'browser-scripts.json';

/** `['.', 'client', …]`: the package's entries, from `src/index.ts` and `src/<sub>/index.ts`. */
export function entriesOf(name) {
  const src = join(root, 'libs', name, 'src');
  const subs = readdirSync(src)
    .filter((sub) => statSync(join(src, sub)).isDirectory())
    .filter((sub) => existsSync(join(src, sub, 'index.ts')))
    .sort();
  return ['.', ...subs];
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; undefined for relative and node: imports. */
export function packageOf(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return undefined;
  if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]))
    return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const STATIC =
  /(?:^|[\n;])\s*(import|export)\s+(type\s+)?((?:[\w*$\s,{}]|\btype\b)*?)\s*from\s*['"]([^'"]+)['"]/g;
const SIDE_EFFECT = /(?:^|[\n;])\s*import\s+['"]([^'"]+)['"]/g;
const DYNAMIC = /(typeof\s+)?\b(require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

/**
 * The imports of one TypeScript file: `{ specifier, lazy, typeOnly }`. Type-only imports
 * (`import type`, `{ type A }`) leave the compiled JavaScript but stay in the declarations;
 * `require()` and `import()` are lazy (they run when called, not when the file loads).
 */
export function importsOf(file) {
  const text = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const found = [];
  for (const [, , typeOnly, clause, specifier] of text.matchAll(STATIC)) {
    const names = clause.match(/^\{([^}]*)\}$/s);
    const allTypes =
      !!names &&
      names[1]
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean)
        .every((n) => n.startsWith('type '));
    found.push({ specifier, lazy: false, typeOnly: !!typeOnly || allTypes });
  }
  for (const [, specifier] of text.matchAll(SIDE_EFFECT))
    found.push({ specifier, lazy: false, typeOnly: false });
  for (const [, typeOf, , specifier] of text.matchAll(DYNAMIC))
    found.push({ specifier, lazy: !typeOf, typeOnly: !!typeOf });
  return found;
}

function resolveRelative(from, specifier) {
  const base = resolve(dirname(from), specifier.replace(/\.js$/, ''));
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')])
    if (existsSync(candidate)) return candidate;
  return undefined;
}

/**
 * Walks an entry's files through relative imports. Returns the packages it imports (types
 * included: the declarations import them too), each with whether it is loaded when the entry
 * loads (`atLoad`) and where (files relative to the repo).
 */
export function packagesReachedFrom(name, entry) {
  const src = join(root, 'libs', name, 'src');
  const start = entry === '.' ? join(src, 'index.ts') : join(src, entry, 'index.ts');
  const packages = new Map(); // specifier → { atLoad, files: Set }
  const seen = new Map(); // file → atLoad
  const queue = [[start, true]];
  while (queue.length) {
    const [file, atLoad] = queue.shift();
    if (seen.get(file) === true || (seen.has(file) && !atLoad)) continue;
    seen.set(file, atLoad);
    for (const { specifier, lazy, typeOnly } of importsOf(file)) {
      const loadedNow = atLoad && !lazy && !typeOnly;
      if (specifier.startsWith('.')) {
        if (typeOnly) continue;
        const target = resolveRelative(file, specifier);
        if (target) queue.push([target, loadedNow]);
        continue;
      }
      if (!packageOf(specifier)) continue;
      const known = packages.get(specifier) ?? { atLoad: false, files: new Set() };
      known.atLoad ||= loadedNow;
      known.files.add(relative(root, file));
      packages.set(specifier, known);
    }
  }
  return packages;
}

/** The library's package.json. */
export function manifestOf(name) {
  return JSON.parse(readFileSync(join(root, 'libs', name, 'package.json'), 'utf8'));
}
