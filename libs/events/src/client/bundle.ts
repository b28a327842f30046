// Builds the browser script of channels (browser.ts) once per process, so the served file always
// matches the server's code and its name changes whenever its content does. (Live builds its
// runtime the same way; events sits below live, so it cannot use live's builder.)
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { EventsMessages } from '../events.messages';

/** The built browser script of channels. */
export interface EventsClientBundle {
  /** The minified script (an IIFE that sets `window.LatticeEvents`). */
  code: string;
  /** `events.<hash>.js`: a name that can be cached forever. */
  fileName: string;
}

let built: Promise<EventsClientBundle> | undefined;

/** Builds the browser script with esbuild, once per process. */
export function buildEventsClient(): Promise<EventsClientBundle> {
  built ??= build().catch((error: unknown) => {
    built = undefined; // a later call may succeed once the cause is fixed
    throw error;
  });
  return built;
}

async function build(): Promise<EventsClientBundle> {
  const source = join(__dirname, 'browser.ts');
  const entry = existsSync(source) ? source : join(__dirname, 'browser.js'); // packages ship .js
  let code: string;
  try {
    // Loaded here: only a server that serves the script needs esbuild.
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
      // In a checkout the root tsconfig maps '@lattice/socket/…' to the sources.
      ...(tsconfig ? { tsconfig } : {}),
    });
    code = result.outputFiles[0].text;
  } catch (error) {
    throw EventsMessages.clientBuildFailed(entry, error);
  }
  const hash = createHash('sha256').update(code).digest('base64url').slice(0, 10);
  return { code, fileName: `events.${hash}.js` };
}

function repositoryTsconfig(): string | undefined {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.json')) && existsSync(join(dir, 'nest-cli.json')))
      return join(dir, 'tsconfig.json');
    if (dirname(dir) === dir) return undefined;
  }
}
