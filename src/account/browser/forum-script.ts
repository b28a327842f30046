import { browserScriptEntry, buildBrowserScript } from '@lattice/socket';
import { Injectable } from '@nestjs/common';

/** Where the Forum's browser script is served: `/assets/forum.<hash>.js`. */
export const FORUM_ASSETS_PATH = '/assets';

/** The built script and its file name, which carries its content hash. */
export interface ForumScriptBundle {
  code: string;
  /** `forum.<hash>.js`: cacheable for a year, since another content gets another name. */
  fileName: string;
}

/**
 * The Forum's browser script (`forum.browser.ts` beside this file), built with esbuild by the
 * same builder as the libraries' scripts, once per process.
 */
@Injectable()
export class ForumScript {
  async bundle(): Promise<ForumScriptBundle> {
    const entry = browserScriptEntry(__dirname, 'forum.browser');
    try {
      const { code, hash } = await buildBrowserScript(entry);
      return { code, fileName: `forum.${hash}.js` };
    } catch (error) {
      throw new Error(
        `The Forum's browser script (${entry}) did not build: ${error instanceof Error ? error.message : String(error)}. Fix the problems listed at their file and line.`,
        { cause: error },
      );
    }
  }

  /** The `<script>` tag for every page, after the channels client's (it uses `LatticeEvents`). */
  async scriptTag(): Promise<string> {
    const { fileName } = await this.bundle();
    return `<script src="${FORUM_ASSETS_PATH}/${fileName}" defer></script>`;
  }
}
