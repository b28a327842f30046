// Builds a library's browser script (live's runtime, events' channels client) into one minified
// file whose name changes whenever its content does. A published package ships it prebuilt by
// `npm run build` (scripts/build-libs.mjs, with this same builder) and a manifest beside it; in a
// checkout it is built on first use, once per process, so it always matches the sources. It lives
// here because every library with a browser side runs on socket's client.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A built browser script. */
export interface BrowserScript {
  /** The minified script (an IIFE). */
  code: string;
  /** 10 characters of the content's SHA-256 (base64url): changes whenever the code does. */
  hash: string;
}

/**
 * The manifest `npm run build` writes beside a package's prebuilt browser scripts: the entry's
 * name (`runtime`) → the built file (`live.<hash>.js`, in the same folder) and its hash.
 */
export const BROWSER_SCRIPTS_MANIFEST = 'browser-scripts.json';

/** One entry of the manifest of prebuilt browser scripts. */
export interface PrebuiltBrowserScript {
  file: string;
  hash: string;
}

const builds = new Map<string, Promise<BrowserScript>>();

/**
 * The browser script `<dir>/<name>`: read from the prebuilt file the manifest in `dir` names (an
 * installed package), else built from `<dir>/<name>.ts` with esbuild (a checkout). Once per
 * process either way.
 */
export function loadBrowserScript(dir: string, name: string): Promise<BrowserScript> {
  const prebuilt = prebuiltBrowserScript(dir, name);
  if (!prebuilt) return buildBrowserScript(browserScriptEntry(dir, name));
  const key = join(dir, prebuilt.file);
  let loaded = builds.get(key);
  if (!loaded) {
    loaded = Promise.resolve({ code: readFileSync(key, 'utf8'), hash: prebuilt.hash });
    builds.set(key, loaded);
  }
  return loaded;
}

function prebuiltBrowserScript(dir: string, name: string): PrebuiltBrowserScript | undefined {
  const manifest = join(dir, BROWSER_SCRIPTS_MANIFEST);
  if (!existsSync(manifest)) return undefined;
  const entries = JSON.parse(readFileSync(manifest, 'utf8')) as Record<
    string,
    PrebuiltBrowserScript | undefined
  >;
  return entries[name];
}

/**
 * `<dir>/<name>.ts` in a checkout, `<dir>/<name>.js` in a published package (which ships
 * compiled files).
 */
export function browserScriptEntry(dir: string, name: string): string {
  const source = join(dir, `${name}.ts`);
  return existsSync(source) ? source : join(dir, `${name}.js`);
}

/**
 * Bundles `entry` with esbuild (loaded on first use: only a checkout, or an app building a script
 * of its own, needs it), once per entry and process; a failed build is tried again on the next call. A failure
 * rejects with an Error that lists esbuild's problems with their file and line.
 */
export function buildBrowserScript(entry: string): Promise<BrowserScript> {
  let built = builds.get(entry);
  if (!built) {
    built = build(entry).catch((error: unknown) => {
      builds.delete(entry); // a later call may succeed once the cause is fixed
      throw error;
    });
    builds.set(entry, built);
  }
  return built;
}

async function build(entry: string): Promise<BrowserScript> {
  let code: string;
  try {
    const esbuild = await import('esbuild');
    const tsconfig = repositoryTsconfig();
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      minify: true,
      format: 'iife',
      target: 'es2020',
      platform: 'browser',
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
      // In a checkout the root tsconfig maps '@lattice/socket/…' to the sources; installed
      // packages resolve from node_modules.
      ...(tsconfig ? { tsconfig } : {}),
    });
    code = result.outputFiles[0].text;
  } catch (error) {
    throw new Error(problemsOf(error), { cause: error });
  }
  return { code, hash: createHash('sha256').update(code).digest('base64url').slice(0, 10) };
}

function repositoryTsconfig(): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json')) && existsSync(join(dir, 'nest-cli.json')))
      return join(dir, 'tsconfig.json');
    if (dirname(dir) === dir) return undefined;
  }
}

function problemsOf(error: unknown): string {
  // esbuild lists every problem with its file and line; its message only counts them.
  const errors = (
    error as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }
  ).errors;
  if (!errors?.length) return error instanceof Error ? error.message : String(error);
  return errors
    .map(({ text, location }) => (location ? `${location.file}:${location.line}: ${text}` : text))
    .join('; ');
}
