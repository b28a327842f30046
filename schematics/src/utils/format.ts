import type { SchematicContext, Tree } from '@angular-devkit/schematics';

type PrettierOptions = Record<string, unknown>;

const CONFIG_FILES = ['/.prettierrc', '/.prettierrc.json'];

/**
 * The app's prettier settings: `.prettierrc` / `.prettierrc.json` (JSON), or package.json's
 * `prettier` key. Undefined when the app has none (other formats: pass --format, and prettier
 * is asked with defaults).
 */
export function readPrettierConfig(tree: Tree): PrettierOptions | undefined {
  for (const file of CONFIG_FILES) {
    const text = tree.read(file)?.toString('utf8');
    if (text === undefined) continue;
    try {
      return JSON.parse(text) as PrettierOptions;
    } catch {
      // YAML .prettierrc: prettier would read it; we use its defaults rather than guess.
      return {};
    }
  }
  const pkg = tree.read('/package.json')?.toString('utf8');
  if (pkg) {
    try {
      const config = (JSON.parse(pkg) as { prettier?: unknown }).prettier;
      if (config && typeof config === 'object') return config as PrettierOptions;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

let warned = false;

/** `source` formatted by prettier, or undefined when prettier is not installed. */
export async function formatSource(
  source: string,
  path: string,
  config: PrettierOptions,
  context: SchematicContext,
): Promise<string | undefined> {
  let prettier: typeof import('prettier');
  try {
    prettier = await import('prettier');
  } catch {
    if (!warned) context.logger.info('prettier is not installed: the files are left as generated.');
    warned = true;
    return undefined;
  }
  try {
    return await prettier.format(source, { ...config, filepath: path.replace(/^\//, ''), parser: 'typescript' });
  } catch (error) {
    context.logger.warn(`prettier could not format ${path}: ${String(error)}`);
    return source;
  }
}
