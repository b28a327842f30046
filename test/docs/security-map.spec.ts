import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/security.md maps ASVS requirements to tests as `path › describe › test name`. This keeps
 * the map true: every "covered" row names a test (or points at a row that does), and every test
 * named exists, so renaming or deleting a test fails here until the map follows.
 */
const root = join(__dirname, '../..');
const map = readFileSync(join(root, 'docs/security.md'), 'utf8');

/** The V9 rows name tests of the JWT attack suite by this prefix (see the section's intro). */
const ALIASES: Record<string, string> = {
  'JWT attack suite': 'test/integration/security/authentication.spec.ts',
};

/** A table row's cells; a `|` inside backticks or escaped is part of a cell. */
function cells(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let code = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '`') code = !code;
    if (c === '|' && !code && line[i - 1] !== '\\') {
      out.push(cell.trim());
      cell = '';
    } else cell += c;
  }
  out.push(cell.trim());
  return out.slice(1, -1);
}

interface Row {
  id: string;
  status: string;
  by: string;
}

const rows: Row[] = map
  .split('\n')
  .filter((line) => /^\| \d+\.\d+\.\d+ /.test(line))
  .map((line) => {
    const [id, , , status, by] = cells(line);
    return { id, status, by };
  });

interface TestRef {
  row: string;
  file: string;
  names: string[];
}

/** The `path › name › name` references of a row; `› name` continues the previous path. */
function references(row: Row): TestRef[] {
  const refs: TestRef[] = [];
  let file: string | undefined;
  for (const [whole, code] of row.by.matchAll(/`([^`]+)`/g)) {
    if (!code.includes('›')) continue;
    const parts = code.split('›').map((part) => part.trim());
    const head = parts.shift() as string;
    const before = row.by.slice(0, row.by.indexOf(whole));
    const alias = Object.keys(ALIASES).find((name) => before.trimEnd().endsWith(name));
    if (head) file = head;
    else if (alias && !before.trimEnd().endsWith('`')) file = ALIASES[alias];
    if (file) refs.push({ row: row.id, file, names: parts.filter(Boolean) });
  }
  return refs;
}

/**
 * The test's name in its source: as written, or built by a template (`alg "${alg}", no
 * signature` is named `alg "none", no signature`): then the text around each quoted value is.
 */
function named(source: string, name: string): boolean {
  // As written in a single-quoted string, an apostrophe is escaped.
  const written = (text: string) =>
    source.includes(text) || source.includes(text.replaceAll("'", "\\'"));
  if (written(name)) return true;
  const around = name.split(/"[^"]*"/);
  return around.length > 1 && around.every(written);
}

describe('docs/security.md, the ASVS map', () => {
  it('has rows to check', () => {
    expect(rows.length).toBeGreaterThan(100);
    expect(rows.filter((row) => row.status === 'covered').length).toBeGreaterThan(30);
  });

  it.each(rows.filter((row) => row.status === 'covered').map((row) => [row.id, row]))(
    'row %s, marked covered, names its test or the row whose tests cover it',
    (_id, row) => {
      const pointsAtRow = /(tests? of|same tests? as) \d+\.\d+\.\d+|^Same test/i.test(row.by);
      expect(references(row).length > 0 || pointsAtRow).toBe(true);
    },
  );

  const refs = rows.flatMap(references);
  it.each(refs.map((ref) => [ref.row, `${ref.file} › ${ref.names.join(' › ')}`, ref]))(
    'row %s names %s, which exists',
    (_id, _text, ref) => {
      const path = join(root, ref.file);
      expect(existsSync(path) ? ref.file : `missing file ${ref.file}`).toBe(ref.file);
      const source = readFileSync(path, 'utf8');
      const missing = ref.names.filter((name) => !named(source, name));
      expect(missing).toEqual([]);
    },
  );

  it('has a summary that counts the rows as they are', () => {
    const summary = map.slice(
      map.indexOf('## Summary'),
      map.indexOf('\n## ', map.indexOf('## Summary') + 1),
    );
    const statuses = ['covered', 'partly', 'not yet', 'n.a.'];
    const lines = summary.split('\n').filter((line) => /^\| V\d/.test(line));
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      const [chapter, total, ...counts] = cells(line);
      const prefix = `${chapter.split(' ')[0].slice(1)}.`; // "V2.2 Input…" → "2.2."
      const inChapter = rows.filter((row) => row.id.startsWith(prefix));
      const counted = statuses.map(
        (status) => inChapter.filter((row) => row.status === status).length,
      );
      expect({ chapter, total: inChapter.length, counts: counted }).toEqual({
        chapter,
        total: Number(total),
        counts: counts.map(Number),
      });
    }
  });
});
