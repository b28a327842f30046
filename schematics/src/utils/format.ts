import type { SchematicContext, Tree } from '@angular-devkit/schematics';
import { execFileSync } from 'node:child_process';

type PrettierOptions = Record<string, unknown>;

/**
 * The app's prettier settings, found as prettier finds them: in the folder of `from` or the
 * nearest above it, `.prettierrc` / `.prettierrc.json` (JSON), or package.json's `prettier` key.
 * Undefined when there are none.
 */
export function readPrettierConfig(tree: Tree, from = '/'): PrettierOptions | undefined {
  for (let dir = from.replace(/\/+$/, ''); ; dir = dir.slice(0, dir.lastIndexOf('/'))) {
    for (const name of ['.prettierrc', '.prettierrc.json']) {
      const text = tree.read(`${dir}/${name}`)?.toString('utf8');
      if (text === undefined) continue;
      try {
        return JSON.parse(text) as PrettierOptions;
      } catch {
        // A YAML .prettierrc: prettier's defaults rather than a guess.
        return {};
      }
    }
    const pkg = tree.read(`${dir}/package.json`)?.toString('utf8');
    if (pkg) {
      try {
        const config = (JSON.parse(pkg) as { prettier?: unknown }).prettier;
        if (config && typeof config === 'object') return config as PrettierOptions;
      } catch {
        // not JSON: look further up
      }
    }
    if (!dir) return undefined;
  }
}

/**
 * Prettier runs in a child process, loaded from the app (the prettier version and plugins the
 * app formats with), else from next to the schematics: prettier 3 loads itself as an ES module,
 * which some hosts of schematics (Jest among them) cannot do in-process.
 */
const FORMATTER = `
const { createRequire } = require('node:module');
const { pathToFileURL } = require('node:url');
const [cwd, here] = process.argv.slice(1);
let entry;
for (const base of [cwd, here]) {
  try { entry = createRequire(base + '/').resolve('prettier'); break; } catch {}
}
if (!entry) { process.stdout.write('null'); process.exit(0); }
let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', async () => {
  const loaded = await import(pathToFileURL(entry).href);
  const prettier = typeof loaded.format === 'function' ? loaded : loaded.default;
  const { files, config } = JSON.parse(input);
  const out = {};
  for (const [path, source] of Object.entries(files)) {
    try { out[path] = await prettier.format(source, { ...config, parser: 'typescript' }); }
    catch (error) { out[path] = { error: String(error && error.message || error) }; }
  }
  process.stdout.write(JSON.stringify(out));
});
`;

/**
 * `files` (path → source) formatted by prettier with `config`; undefined when prettier is not
 * installed. A file prettier cannot parse stays as it is, with a warning.
 */
export function formatSources(
  files: Record<string, string>,
  config: PrettierOptions,
  context: SchematicContext,
): Record<string, string> | undefined {
  let output: string;
  try {
    output = execFileSync(process.execPath, ['-e', FORMATTER, process.cwd(), __dirname], {
      input: JSON.stringify({ files, config }),
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    context.logger.warn(
      `prettier did not run, so the files are left as generated: ${String(error)}`,
    );
    return undefined;
  }
  const result = JSON.parse(output) as Record<string, string | { error: string }> | null;
  if (!result) {
    context.logger.info('prettier is not installed: the files are left as generated.');
    return undefined;
  }
  const formatted: Record<string, string> = {};
  for (const [path, value] of Object.entries(result)) {
    if (typeof value === 'string') formatted[path] = value;
    else {
      context.logger.warn(`prettier could not format ${path}: ${value.error}`);
      formatted[path] = files[path];
    }
  }
  return formatted;
}
