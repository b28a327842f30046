/** Options every Lattice schematic takes (the ones `nest g` passes, plus `module`). */
export interface BaseOptions {
  /** The name, optionally with folders: `counter`, `chat/counter`. */
  name: string;
  /** A folder under the source root to generate into. */
  path?: string;
  /** The app's source folder (default: nest-cli.json's `sourceRoot`, else `src`). */
  sourceRoot?: string;
  /** The module file to register in (default: the nearest `*.module.ts` up from the new files). */
  module?: string;
  /** Generate the files without registering them in a module. */
  skipImport?: boolean;
  /** Put the files in the target folder itself instead of a folder named after them. */
  flat?: boolean;
  /** Generate a test beside the code (default true). */
  spec?: boolean;
  /** The test file suffix (default `spec`). */
  specFileSuffix?: string;
  /** Format the generated files with prettier even without a prettier config in the app. */
  format?: boolean;
}
