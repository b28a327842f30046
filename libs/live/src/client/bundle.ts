// The browser runtime of live pages (runtime.ts): prebuilt into the package by `npm run build`,
// built with socket's browser-script builder on first use in a checkout.
import { LatticeError } from '@lattice/core';
import { loadBrowserScript } from '@lattice/socket';
import { join } from 'node:path';
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

/** The browser runtime: the package's prebuilt file, or built with esbuild (a checkout), once per process. */
export function buildLiveRuntime(): Promise<LiveRuntimeBundle> {
  built ??= build().catch((error: unknown) => {
    built = undefined; // a later call may succeed once the cause is fixed
    throw error;
  });
  return built;
}

async function build(): Promise<LiveRuntimeBundle> {
  try {
    const { code, hash } = await loadBrowserScript(__dirname, 'runtime');
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
      `The browser runtime of live pages (${join(__dirname, 'runtime')}) could not be built: ${error instanceof Error ? error.message : String(error)}`,
      'An installed @lattice/live ships it prebuilt (client/browser-scripts.json): reinstall the package. In a checkout, check that esbuild and morphdom are installed (npm install) and that the runtime and @lattice/socket resolve.',
      { cause: error },
    );
  }
}
