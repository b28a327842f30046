// Builds the browser runtime (runtime.ts) into one minified script at startup, so the served file
// always matches the server's code and its name changes whenever its content does.
import { LatticeError } from '@lattice/core';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The built runtime of live pages. */
export interface LiveRuntimeBundle {
  /** The minified script (an IIFE). */
  code: string;
  /** 10 characters of the content's SHA-256 (base64url): changes whenever the code does. */
  hash: string;
  /** `live.<hash>.js`: a name that can be cached forever. */
  fileName: string;
  bytes: number;
  gzipBytes: number;
}

let built: Promise<LiveRuntimeBundle> | undefined;

/** Builds the browser runtime with esbuild, once per process. */
export function buildLiveRuntime(): Promise<LiveRuntimeBundle> {
  built ??= build().catch((error: unknown) => {
    built = undefined; // a later call may succeed once the cause is fixed
    throw error;
  });
  return built;
}

async function build(): Promise<LiveRuntimeBundle> {
  const entry = runtimeEntry();
  let code: string;
  try {
    // Loaded here: esbuild is needed only by a server that serves live pages.
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
    throw new LatticeError(
      'LATTICE_LIVE_RUNTIME_BUILD',
      `The browser runtime of live pages (${entry}) could not be built: ${problemsOf(error)}`,
      'Check that esbuild and morphdom are installed (npm install esbuild morphdom) and that the runtime and @lattice/socket resolve from it.',
      { cause: error },
    );
  }
  const hash = createHash('sha256').update(code).digest('base64url').slice(0, 10);
  return {
    code,
    hash,
    fileName: `live.${hash}.js`,
    bytes: Buffer.byteLength(code),
    gzipBytes: gzipSync(code, { level: 9 }).length,
  };
}

function runtimeEntry(): string {
  const source = join(__dirname, 'runtime.ts');
  return existsSync(source) ? source : join(__dirname, 'runtime.js'); // compiled libraries ship .js
}

function repositoryTsconfig(): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json')) && existsSync(join(dir, 'nest-cli.json'))) {
      return join(dir, 'tsconfig.json');
    }
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
