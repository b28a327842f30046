// The browser runtime of live pages (runtime.ts), built by socket's browser-script builder.
import { LatticeError } from '@lattice/core';
import { browserScriptEntry, buildBrowserScript } from '@lattice/socket';
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
  const entry = browserScriptEntry(__dirname, 'runtime');
  try {
    const { code, hash } = await buildBrowserScript(entry);
    return {
      code,
      hash,
      fileName: `live.${hash}.js`,
      bytes: Buffer.byteLength(code),
      gzipBytes: gzipSync(code, { level: 9 }).length,
    };
  } catch (error) {
    throw new LatticeError(
      'LATTICE_LIVE_RUNTIME_BUILD',
      `The browser runtime of live pages (${entry}) could not be built: ${error instanceof Error ? error.message : String(error)}`,
      'Check that esbuild and morphdom are installed (npm install esbuild morphdom) and that the runtime and @lattice/socket resolve from it.',
      { cause: error },
    );
  }
}
