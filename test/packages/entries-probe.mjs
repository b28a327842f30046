// Copied into a scenario app and run there (node entries-probe.mjs <format> <package>…): loads every entry of each
// package's exports map the way the app's format does (ESM `import`, CommonJS `require`) and
// prints one JSON line per entry: how many names it exports, those an ESM import does not see,
// or why it did not load. An entry that needs
// an optional peer the app did not install is reported with that peer's name.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [format, ...packages] = process.argv.slice(2);
const app = process.cwd();
const require = createRequire(join(app, 'package.json'));

for (const name of packages) {
  const manifest = JSON.parse(
    readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'),
  );
  const optional = Object.keys(manifest.peerDependenciesMeta ?? {});
  for (const key of Object.keys(manifest.exports ?? { '.': null })) {
    if (key === './package.json') continue;
    const specifier = key === '.' ? name : `${name}/${key.slice(2)}`;
    try {
      // What the CommonJS file exports; from ESM, Node must find the same names (cjs-module-lexer).
      const exported = Object.keys(require(specifier)).filter((n) => n !== '__esModule');
      let undetected = [];
      if (format === 'esm') {
        const namespace = Object.keys(await import(specifier));
        undetected = exported.filter((n) => !namespace.includes(n));
      }
      console.log(JSON.stringify({ specifier, names: exported.length, undetected }));
    } catch (error) {
      const missing = String(error?.message).match(/Cannot find (?:module|package) '([^']+)'/)?.[1];
      const peer = optional.find((p) => missing === p || missing?.startsWith(`${p}/`));
      console.log(
        JSON.stringify({
          specifier,
          error: String(error?.message).split('\n')[0],
          needsOptionalPeer: peer,
        }),
      );
    }
  }
}
