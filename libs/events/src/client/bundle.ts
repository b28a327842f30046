// The browser script of channels (browser.ts): prebuilt into the package by `npm run build`,
// built with socket's browser-script builder on first use in a checkout.
import { loadBrowserScript } from '@lattice/socket';
import { join } from 'node:path';
import { EventsMessages } from '../events.messages';

/** The built browser script of channels. */
export interface EventsClientBundle {
  /** The minified script (an IIFE that sets `window.LatticeEvents`). */
  code: string;
  /** `events.<hash>.js`: a name that can be cached forever. */
  fileName: string;
}

/** The browser script: the package's prebuilt file, or built with esbuild (a checkout), once per process. */
export async function buildEventsClient(): Promise<EventsClientBundle> {
  try {
    const { code, hash } = await loadBrowserScript(__dirname, 'browser');
    return { code, fileName: `events.${hash}.js` };
  } catch (error) {
    throw EventsMessages.clientBuildFailed(join(__dirname, 'browser'), error);
  }
}
