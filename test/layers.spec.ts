import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkLayers,
  formatViolations,
  importsOf,
  type LayerTable,
  librarySources,
  parseLayerTable,
} from './support/layer-check';

const root = join(__dirname, '..');

describe('the layers of docs/architecture.md', () => {
  const layers = parseLayerTable(readFileSync(join(root, 'docs/architecture.md'), 'utf8'));

  it('are read from the doc: core at the bottom, live above events above queue', () => {
    expect(layers.get('core')).toBe(0);
    expect(layers.get('events')).toBeGreaterThan(layers.get('queue')!);
    expect(layers.get('live')).toBeGreaterThan(layers.get('events')!);
  });

  it('hold in libs/*/src: only lower layers, only by package name, no cycles', () => {
    const sources = librarySources(root);
    expect(sources.length).toBeGreaterThan(100); // the walk found the libraries
    const violations = checkLayers(layers, sources);
    if (violations.length) throw new Error(`Layer violations:\n${formatViolations(violations)}`);
  });
});

describe('checkLayers', () => {
  const table: LayerTable = new Map([
    ['core', 0],
    ['cache', 1],
    ['socket', 1],
    ['events', 3],
  ]);
  const check = (file: string, text: string) => checkLayers(table, [{ file, text }]);

  it('accepts an import of a lower layer, by package name or subpath', () => {
    expect(
      check(
        'libs/events/src/a.ts',
        `import { x } from '@lattice/core';\nexport * from '@lattice/socket/client';\nimport { y } from './local';`,
      ),
    ).toEqual([]);
  });

  it('refuses an import that points up, with its file and line', () => {
    const [violation, ...more] = check(
      'libs/cache/src/a.ts',
      `import { x } from '@lattice/core';\n\nimport { EventDispatcher } from '@lattice/events';`,
    );
    expect(more).toEqual([]);
    expect(violation).toMatchObject({ file: 'libs/cache/src/a.ts', line: 3 });
    expect(violation.message).toMatch(/cache \(layer 1\) imports events \(layer 3\)/);
    expect(formatViolations([violation])).toMatch(/^libs\/cache\/src\/a\.ts:3: /);
  });

  it('refuses a sideways import within a layer', () => {
    expect(check('libs/cache/src/a.ts', `import '@lattice/socket';`)).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringMatching(/layer 1.*layer 1/) }),
    ]);
  });

  it('finds dynamic imports, require, export-from and import types', () => {
    const text = [
      `const a = await import('@lattice/events');`,
      `const b = require('@lattice/events/queue');`,
      `export { c } from '@lattice/events';`,
      `type D = import('@lattice/events').D;`,
      `import E = require('@lattice/events');`,
    ].join('\n');
    expect(check('libs/socket/src/a.ts', text).map((v) => v.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('ignores imports in comments and strings', () => {
    const text = `/** import { x } from '@lattice/events' */\n// require('@lattice/events')\nconst s = "import('@lattice/events')";`;
    expect(check('libs/core/src/a.ts', text)).toEqual([]);
  });

  it('refuses a relative path into another library, even a lower one', () => {
    const [violation] = check(
      'libs/events/src/deep/a.ts',
      `import { x } from '../../../core/src/x';`,
    );
    expect(violation).toMatchObject({ line: 1 });
    expect(violation.message).toMatch(/relative path into library 'core'.*'@lattice\/core'/);
  });

  it('refuses a library the table does not list, and a library outside the table', () => {
    expect(check('libs/core/src/a.ts', `import '@lattice/nowhere';`)[0].message).toMatch(
      /'nowhere'.*does not list/,
    );
    expect(check('libs/extra/src/a.ts', `import '@lattice/core';`)[0].message).toMatch(
      /library 'extra' is not in the layer table/,
    );
  });

  it('reports a cycle with every import on it', () => {
    const flat: LayerTable = new Map([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const violations = checkLayers(flat, [
      { file: 'libs/a/src/x.ts', text: `import '@lattice/b';` },
      { file: 'libs/b/src/x.ts', text: `\nimport '@lattice/c';` },
      { file: 'libs/c/src/x.ts', text: `import '@lattice/a';` },
    ]);
    const cycle = violations.find((v) => v.message.includes('cycle'));
    expect(cycle?.message).toContain('a → b → c → a');
    expect(cycle?.message).toContain('libs/b/src/x.ts:2');
  });
});

describe('parseLayerTable', () => {
  it('reads the names in backticks of each row, not the words that describe them', () => {
    const doc = [
      '# Architecture',
      '## Layers',
      '| layer | library | status |',
      '| ----- | ------- | ------ |',
      '| 0 | `core`: configuration, `PubSub` | landed |',
      '| 1 | `database` (TypeORM, `typeorm`), `cache` | landed |',
      '## Runtime shape',
      '| 9 | `later` | table of another section |',
    ].join('\n');
    expect([...parseLayerTable(doc)]).toEqual([
      ['core', 0],
      ['database', 1],
      ['cache', 1],
    ]);
  });

  it('says so when the doc has no layer table', () => {
    expect(() => parseLayerTable('# Architecture\n')).toThrow(/no "## Layers" section/);
  });
});

describe('importsOf', () => {
  it('gives each specifier its line', () => {
    expect(importsOf('libs/x/src/a.ts', `import {\n  a,\n} from '@lattice/core';`)).toEqual([
      { file: 'libs/x/src/a.ts', line: 3, specifier: '@lattice/core' },
    ]);
  });
});
