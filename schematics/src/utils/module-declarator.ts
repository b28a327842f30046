import * as ts from 'typescript';

/** What to register in a module, and where it comes from. */
export interface Declaration {
  /** The class to list: `CounterComponent`. */
  symbol: string;
  /** The import specifier, relative to the module: `./counter/counter.component`. */
  from: string;
  /** Which `@Module` array: `providers`, `controllers`, `imports` or `exports`. */
  property: 'providers' | 'controllers' | 'imports' | 'exports';
}

interface Edit {
  at: number;
  text: string;
  /** Characters replaced at `at` (0 inserts). */
  remove?: number;
}

/** Why a module could not be edited; the caller turns it into a message naming the file. */
export class ModuleEditError extends Error {
  constructor(
    readonly reason: 'no-module-decorator' | 'not-an-array',
    readonly property?: string,
  ) {
    super(reason);
  }
}

/**
 * Adds `symbol` to the `@Module({ ... })` metadata array `property` of a module file and imports
 * it, by editing the TypeScript syntax tree (comments, order and the rest of the file are kept).
 * Adding what is already there changes nothing.
 */
export function declareInModule(
  source: string,
  fileName: string,
  declaration: Declaration,
): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const metadata = findModuleMetadata(file);
  if (!metadata) throw new ModuleEditError('no-module-decorator');
  return applyDeclaration(file, source, metadata, declaration);
}

/**
 * Adds `symbol` to the first object literal in the file with an array property `property`
 * (`seeders: [...]` in `DatabaseModule.forRoot({...})`) and imports it. Undefined when the file
 * has no such property.
 */
export function declareInArrayProperty(
  source: string,
  fileName: string,
  declaration: { symbol: string; from: string; property: string },
): string | undefined {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node) => {
    if (found) return;
    if (
      ts.isObjectLiteralExpression(node) &&
      node.properties.some(
        (p) =>
          propertyName(p) === declaration.property &&
          ts.isPropertyAssignment(p) &&
          ts.isArrayLiteralExpression(p.initializer),
      )
    ) {
      found = node;
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found ? applyDeclaration(file, source, found, declaration) : undefined;
}

function applyDeclaration(
  file: ts.SourceFile,
  source: string,
  metadata: ts.ObjectLiteralExpression,
  declaration: { symbol: string; from: string; property: string },
): string {
  const edits: Edit[] = [];
  const arrayEdit = addToArray(file, source, metadata, declaration);
  if (arrayEdit) edits.push(arrayEdit);
  const importEdit = addImport(file, source, declaration);
  if (importEdit) edits.push(importEdit);

  // Apply from the end so earlier positions stay valid.
  return edits
    .sort((a, b) => b.at - a.at)
    .reduce(
      (text, edit) => text.slice(0, edit.at) + edit.text + text.slice(edit.at + (edit.remove ?? 0)),
      source,
    );
}

/** The object literal of the first class decorated with `@Module(...)`. */
function findModuleMetadata(file: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  for (const statement of file.statements) {
    if (!ts.isClassDeclaration(statement)) continue;
    for (const decorator of ts.getDecorators(statement) ?? []) {
      const call = decorator.expression;
      if (
        ts.isCallExpression(call) &&
        ts.isIdentifier(call.expression) &&
        call.expression.text === 'Module'
      ) {
        const [argument] = call.arguments;
        return argument && ts.isObjectLiteralExpression(argument) ? argument : undefined;
      }
    }
  }
  return undefined;
}

function propertyName(property: ts.ObjectLiteralElementLike): string | undefined {
  if (!property.name) return undefined;
  if (ts.isIdentifier(property.name) || ts.isStringLiteral(property.name))
    return property.name.text;
  return undefined;
}

function addToArray(
  file: ts.SourceFile,
  source: string,
  metadata: ts.ObjectLiteralExpression,
  { symbol, property }: { symbol: string; property: string },
): Edit | undefined {
  const existing = metadata.properties.find((p) => propertyName(p) === property);
  if (!existing) {
    return appendElement(file, source, metadata, metadata.properties, `${property}: [${symbol}]`);
  }
  if (ts.isShorthandPropertyAssignment(existing) || !ts.isPropertyAssignment(existing)) {
    throw new ModuleEditError('not-an-array', property);
  }
  const array = existing.initializer;
  if (!ts.isArrayLiteralExpression(array)) throw new ModuleEditError('not-an-array', property);
  const listed = array.elements.some((e) => ts.isIdentifier(e) && e.text === symbol);
  return listed ? undefined : appendElement(file, source, array, array.elements, symbol);
}

/**
 * Appends `text` to a list (array elements or object properties), in the list's own layout:
 * on one line `[A, B]` → `[A, B, C]`; one per line keeps the indentation and trailing comma.
 */
function appendElement(
  file: ts.SourceFile,
  source: string,
  container: ts.Node,
  elements: ts.NodeArray<ts.Node>,
  text: string,
): Edit {
  const open = container.getStart(file) + 1;
  const close = container.getEnd() - 1;
  if (elements.length === 0) {
    const inner = source.slice(open, close);
    const isObject = ts.isObjectLiteralExpression(container);
    return { at: open, remove: inner.length, text: isObject ? ` ${text} ` : text };
  }
  const last = elements[elements.length - 1];
  const lastLine = file.getLineAndCharacterOfPosition(last.getStart(file)).line;
  const closeLine = file.getLineAndCharacterOfPosition(close).line;
  if (lastLine === closeLine) {
    return { at: last.getEnd(), text: `, ${text}` };
  }
  const lineStart = file.getPositionOfLineAndCharacter(lastLine, 0);
  const indent = /^\s*/.exec(source.slice(lineStart, last.getStart(file)))?.[0] ?? '';
  // A comment after the last element (`A, // why`) stays on A's line.
  const after = elements.hasTrailingComma ? source.indexOf(',', last.getEnd()) + 1 : last.getEnd();
  const lineEnd = source.indexOf('\n', after);
  const rest = lineEnd === -1 ? '' : source.slice(after, lineEnd);
  const comment = /^\s*(\/\/.*|\/\*.*\*\/\s*)$/.test(rest) ? rest : '';
  if (elements.hasTrailingComma) {
    return { at: after + comment.length, text: `\n${indent}${text},` };
  }
  return { at: after, remove: comment.length, text: `,${comment}\n${indent}${text}` };
}

function addImport(
  file: ts.SourceFile,
  source: string,
  { symbol, from }: { symbol: string; from: string },
): Edit | undefined {
  const imports = file.statements.filter(ts.isImportDeclaration);
  for (const declaration of imports) {
    const bindings = declaration.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      if (bindings.elements.some((e) => e.name.text === symbol)) return undefined;
    }
  }
  const sameModule = imports.find(
    (d) =>
      ts.isStringLiteral(d.moduleSpecifier) &&
      d.moduleSpecifier.text === from &&
      d.importClause?.namedBindings &&
      ts.isNamedImports(d.importClause.namedBindings) &&
      !d.importClause.isTypeOnly,
  );
  if (sameModule) {
    const named = sameModule.importClause!.namedBindings as ts.NamedImports;
    return appendElement(file, source, named, named.elements, symbol);
  }
  const line = `import { ${symbol} } from '${from}';`;
  const last = imports[imports.length - 1];
  return last ? { at: last.getEnd(), text: `\n${line}` } : { at: 0, text: `${line}\n` };
}
