// The layer rule of docs/architecture.md, checked on the sources: a library imports only
// libraries of a lower layer, only by package name (`@lattice/x`, `@lattice/x/sub`), and the
// imports form no cycle. The layer table is read from the doc, so the doc stays the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import ts from 'typescript';

/** Library name → layer number, as the doc's table gives them. */
export type LayerTable = Map<string, number>;

/** One module specifier in a source file. */
export interface ImportSite {
  /** The file, relative to the repository root, with `/` separators. */
  file: string;
  line: number;
  specifier: string;
}

/** A source file of a library. */
export interface LibrarySource {
  /** `libs/<name>/src/...`, relative to the repository root, with `/` separators. */
  file: string;
  text: string;
}

export interface LayerViolation extends ImportSite {
  message: string;
}

/**
 * Reads the table under "## Layers" (`| layer | library | … |`): every library named in
 * backticks in a row's library cell, outside parentheses and before a colon (the rest describes it).
 */
export function parseLayerTable(markdown: string): LayerTable {
  const section = markdown.split(/^## /m).find((part) => /^Layers\b/.test(part));
  if (!section) throw new Error('docs/architecture.md has no "## Layers" section.');
  const layers: LayerTable = new Map();
  for (const row of section.split('\n')) {
    const cells = row.split('|').map((cell) => cell.trim());
    // | layer | library | … | splits into ['', layer, library, …]
    if (cells.length < 4 || !/^\d+$/.test(cells[1])) continue;
    const named = cells[2].replace(/\([^)]*\)/g, '').split(':')[0];
    for (const [, name] of named.matchAll(/`([a-z][a-z0-9-]*)`/g)) {
      const before = layers.get(name);
      if (before !== undefined && before !== Number(cells[1]))
        throw new Error(
          `docs/architecture.md puts '${name}' in layers ${before} and ${cells[1]}: give it one.`,
        );
      layers.set(name, Number(cells[1]));
    }
  }
  if (layers.size === 0)
    throw new Error(
      'The "## Layers" table of docs/architecture.md lists no library: rows are "| <layer> | `name` … |".',
    );
  return layers;
}

/**
 * Every module specifier in a TypeScript file: `import … from`, `import '…'`, `export … from`,
 * `import(…)`, `require(…)`, `import x = require(…)` and `import('…')` types. Comments and
 * strings that only look like imports are not imports.
 */
export function importsOf(file: string, text: string): ImportSite[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const sites: ImportSite[] = [];
  const add = (node: ts.Node | undefined) => {
    if (!node || !ts.isStringLiteralLike(node)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    sites.push({ file, line, specifier: node.text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference)
    )
      add(node.moduleReference.expression);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    )
      add(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      add(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return sites;
}

/** The library a `libs/<name>/…` path belongs to. */
function libraryOf(path: string): string | undefined {
  return /^libs\/([^/]+)\//.exec(path)?.[1];
}

/** The library an `@lattice/<name>[/sub]` specifier names. */
function packageOf(specifier: string): string | undefined {
  return /^@lattice\/([^/]+)/.exec(specifier)?.[1];
}

/**
 * The violations of the layer rule in these sources: an import of a library not in the table,
 * of the same or a higher layer, a relative path into another library, and cycles between
 * libraries (each edge shown at one of its imports).
 */
export function checkLayers(layers: LayerTable, sources: LibrarySource[]): LayerViolation[] {
  const violations: LayerViolation[] = [];
  /** from → to → the first import that makes the edge. */
  const edges = new Map<string, Map<string, ImportSite>>();
  const table = [...layers].map(([name, layer]) => `${name} (${layer})`).join(', ');

  for (const { file, text } of sources) {
    const from = libraryOf(file);
    if (!from) throw new Error(`${file} is not under libs/<name>/.`);
    const own = layers.get(from);
    if (own === undefined) {
      violations.push({
        file,
        line: 1,
        specifier: '',
        message: `library '${from}' is not in the layer table of docs/architecture.md (${table}): add it to a layer.`,
      });
      continue;
    }
    for (const site of importsOf(file, text)) {
      let to = packageOf(site.specifier);
      if (!to && site.specifier.startsWith('.')) {
        const target = libraryOf(posix.normalize(posix.join(posix.dirname(file), site.specifier)));
        if (target && target !== from) {
          violations.push({
            ...site,
            message: `'${site.specifier}' is a relative path into library '${target}': import it as '@lattice/${target}' (or a subpath of it).`,
          });
          to = target;
        }
      }
      if (!to || to === from) continue;
      const theirs = layers.get(to);
      if (theirs === undefined)
        violations.push({
          ...site,
          message: `'${site.specifier}' names library '${to}', which the layer table of docs/architecture.md does not list (${table}).`,
        });
      else if (theirs >= own)
        violations.push({
          ...site,
          message: `${from} (layer ${own}) imports ${to} (layer ${theirs}): a library imports only libraries of a lower layer (docs/architecture.md). Move the shared part down, or offer a hook (an interface and a token) in ${from} that ${to} implements.`,
        });
      const out = edges.get(from) ?? new Map<string, ImportSite>();
      if (!out.has(to)) out.set(to, site);
      edges.set(from, out);
    }
  }

  for (const cycle of cyclesOf(edges)) {
    const steps = cycle.map((name, i) => edges.get(name)!.get(cycle[(i + 1) % cycle.length])!);
    violations.push({
      ...steps[0],
      message: `the libraries import each other in a cycle: ${[...cycle, cycle[0]].join(' → ')} (${steps
        .map((step) => `${step.file}:${step.line} imports '${step.specifier}'`)
        .join('; ')}).`,
    });
  }
  return violations;
}

/** One cycle per strongly connected group of libraries (Tarjan), as a path through it. */
function cyclesOf(edges: Map<string, Map<string, ImportSite>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const node of edges.keys()) if (!index.has(node)) connect(node);
  return groups.map((group) => pathThrough(group, edges));
}

/** A cycle visiting a group's members, found by walking edges that stay inside the group. */
function pathThrough(group: string[], edges: Map<string, Map<string, ImportSite>>): string[] {
  const members = new Set(group);
  const start = [...group].sort()[0];
  const search = (path: string[]): string[] | undefined => {
    for (const next of edges.get(path[path.length - 1])?.keys() ?? []) {
      if (next === start) return path;
      if (members.has(next) && !path.includes(next)) {
        const found = search([...path, next]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search([start]) ?? group;
}

/** Every `.ts` file under `libs/*\/src`, specs included (a spec is a dependency too). */
export function librarySources(root: string): LibrarySource[] {
  const sources: LibrarySource[] = [];
  for (const library of readdirSync(join(root, 'libs'), { withFileTypes: true })) {
    if (!library.isDirectory()) continue;
    const src = join(root, 'libs', library.name, 'src');
    let entries: string[];
    try {
      entries = readdirSync(src, { recursive: true, encoding: 'utf8' });
    } catch {
      continue; // a library folder without src/ (being created) has nothing to check
    }
    for (const entry of entries.sort()) {
      if (!entry.endsWith('.ts')) continue;
      const file = ['libs', library.name, 'src', ...entry.split(sep)].join('/');
      sources.push({ file, text: readFileSync(join(root, file), 'utf8') });
    }
  }
  return sources;
}

/** `file:line: message`, one a line, for a test failure. */
export function formatViolations(violations: LayerViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: ${v.message}`).join('\n');
}
