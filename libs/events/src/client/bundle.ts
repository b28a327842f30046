// The browser script of channels (browser.ts), built by socket's browser-script builder.
import { browserScriptEntry, buildBrowserScript } from '@lattice/socket';
import { EventsMessages } from '../events.messages';

/** The built browser script of channels. */
export interface EventsClientBundle {
  /** The minified script (an IIFE that sets `window.LatticeEvents`). */
  code: string;
  /** `events.<hash>.js`: a name that can be cached forever. */
  fileName: string;
}

/** Builds the browser script with esbuild, once per process. */
export async function buildEventsClient(): Promise<EventsClientBundle> {
  const entry = browserScriptEntry(__dirname, 'browser');
  try {
    const { code, hash } = await buildBrowserScript(entry);
    return { code, fileName: `events.${hash}.js` };
  } catch (error) {
    throw EventsMessages.clientBuildFailed(entry, error);
  }
}
