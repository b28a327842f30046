// Builds every library on its own into libs/<name>/dist, a folder `npm pack` turns into the
// published package (docs/decisions/0021-packages.md):
// - compiled CommonJS and declarations by tsc, without source maps (the package ships no sources
//   for them to point at, so stack traces name the compiled files it does ship);
// - an `exports` map with `.` and every subpath entry (each `src/<sub>/index.ts`), with `types`,
//   `require` and `default` conditions, so CommonJS and ESM apps import the same files;
// - the browser scripts (live's runtime, events' channels client) bundled by socket's builder
//   into `<name>.<hash>.js` with a manifest beside them, so the package needs no esbuild;
// - its package.json (without devDependencies) and README.
// Libraries build in layer order (docs/architecture.md); a library's tsconfig.lib.json maps
// @lattice/* to ../*/dist.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BROWSER_MANIFEST, BROWSER_SCRIPTS, LIBRARIES, entriesOf, root } from './lib-packages.mjs';

const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const require = createRequire(import.meta.url);

/** The `exports` map of a package built from libs/<name>. */
export function exportsMap(name) {
  const map = {};
  for (const entry of entriesOf(name)) {
    const dir = entry === '.' ? '.' : `./${entry}`;
    map[entry === '.' ? '.' : `./${entry}`] = {
      types: `${dir}/index.d.ts`,
      require: `${dir}/index.js`,
      default: `${dir}/index.js`,
    };
  }
  map['./package.json'] = './package.json';
  return map;
}

/** The package.json published from libs/<name>/dist. */
function publishedManifest(name) {
  const { devDependencies: _buildOnly, ...pkg } = JSON.parse(
    readFileSync(join(root, 'libs', name, 'package.json'), 'utf8'),
  );
  return {
    ...pkg,
    type: 'commonjs',
    main: './index.js',
    types: './index.d.ts',
    exports: exportsMap(name),
  };
}

/** Bundles the library's browser scripts into dist, each with its manifest entry. */
async function buildBrowserScripts(name, dist) {
  const scripts = BROWSER_SCRIPTS[name] ?? [];
  if (!scripts.length) return [];
  // The builder the packages use in a checkout, from socket's freshly built dist (socket builds
  // before live and events): the prebuilt file is what a checkout would serve.
  const { buildBrowserScript } = require(join(root, 'libs/socket/dist/server/browser-script.js'));
  const manifests = new Map();
  const built = [];
  for (const { entry, name: prefix } of scripts) {
    const { code, hash } = await buildBrowserScript(join(root, 'libs', name, 'src', entry));
    const dir = join(dist, dirname(entry));
    const file = `${prefix}.${hash}.js`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, file), code);
    // tsc compiled the entry too; the package serves the bundle, and the compiled entry would
    // require what the bundle inlined (morphdom) without the package declaring it.
    const compiled = join(dist, entry.replace(/\.ts$/, ''));
    for (const ext of ['.js', '.d.ts']) rmSync(`${compiled}${ext}`, { force: true });
    const manifest = manifests.get(dir) ?? {};
    manifest[entry.split('/').pop().replace(/\.ts$/, '')] = { file, hash };
    manifests.set(dir, manifest);
    built.push(`${dirname(entry)}/${file}`);
  }
  for (const [dir, manifest] of manifests)
    writeFileSync(join(dir, BROWSER_MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return built;
}

async function main() {
  const started = Date.now();
  for (const name of LIBRARIES) {
    const dir = join(root, 'libs', name);
    const dist = join(dir, 'dist');
    rmSync(dist, { recursive: true, force: true });
    process.stdout.write(`building @lattice/${name} … `);
    execFileSync(
      process.execPath,
      [
        tsc,
        '-p',
        join(dir, 'tsconfig.lib.json'),
        '--sourceMap',
        'false',
        '--declarationMap',
        'false',
      ],
      { stdio: 'inherit' },
    );
    const scripts = await buildBrowserScripts(name, dist);
    const pkg = publishedManifest(name);
    writeFileSync(join(dist, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    copyFileSync(join(dir, 'README.md'), join(dist, 'README.md'));
    const subpaths = Object.keys(pkg.exports).filter(
      (key) => key !== '.' && key !== './package.json',
    );
    process.stdout.write(
      `${pkg.version} → libs/${name}/dist${subpaths.length ? ` (subpaths ${subpaths.join(', ')})` : ''}${
        scripts.length ? ` (browser ${scripts.join(', ')})` : ''
      }\n`,
    );
  }
  process.stdout.write(
    `built ${LIBRARIES.length} libraries in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
