import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLattice } from '../lattice';
import { readCollection } from './collection';
import { flagsOf, schematicOptions } from './schematic-options';

// The collection as this repository holds it (the factories load through Jest's transform).
const collection = join(__dirname, '../../../../schematics/src/collection.json');

describe('make:* options, mapped as nest g maps them', () => {
  const schematics = readCollection(collection).schematics;
  const component = schematics.find((s) => s.name === 'component')!;

  it('reads the collection’s own schematics, with their aliases', () => {
    expect(schematics.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'application',
        'component',
        'page',
        'resource',
        'migration',
        'seeder',
      ]),
    );
    expect(component.aliases).toEqual(['co']);
  });

  it('offers one flag per schema property, without the positional name and nest g’s plumbing', () => {
    const flags = flagsOf(component).map((f) => f.flags);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--path <value>',
        '--module <value>',
        '--skip-import',
        '--flat',
        '--no-spec',
        '--spec-file-suffix <value>',
      ]),
    );
    expect(flags.join(' ')).not.toMatch(/--name|--language|--collection|--project/);
  });

  it('maps the argument and the given flags to the schematic’s options, leaving the rest to its defaults', () => {
    expect(
      schematicOptions(component, ['chat/Counter'], {
        path: 'features',
        skipImport: true,
        flat: true,
        spec: false,
        dryRun: true,
      }),
    ).toEqual({
      name: 'chat/Counter',
      path: 'features',
      skipImport: true,
      flat: true,
      spec: false,
    });
    // commander's default for a --no- switch is not an option the user gave.
    expect(schematicOptions(component, ['counter'], { spec: true })).toEqual({ name: 'counter' });
  });
});

describe('lattice make:<schematic> in an app', () => {
  let root: string;
  let out = '';
  let err = '';
  const output = {
    writeOut: (t: string) => void (out += t),
    writeErr: (t: string) => void (err += t),
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lattice-cli-make-'));
    out = err = '';
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'shop' }));
    writeFileSync(
      join(root, 'nest-cli.json'),
      JSON.stringify({ collection: '@lattice/schematics', sourceRoot: 'src' }),
    );
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'src/app.module.ts'),
      "import { Module } from '@nestjs/common';\n\n@Module({ imports: [], providers: [] })\nexport class AppModule {}\n",
    );
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  it('--dry-run reports the files and the module update, and writes nothing', async () => {
    const code = await runLattice({
      cwd: root,
      collection,
      argv: ['make:component', 'Counter', '--dry-run'],
      output,
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toMatch(/CREATE src\/counter\/counter\.component\.ts \(\d+ bytes\)/);
    expect(out).toMatch(/CREATE src\/counter\/counter\.component\.spec\.ts/);
    expect(out).toMatch(/UPDATE src\/app\.module\.ts/);
    expect(out).toContain('Dry run: nothing was written.');
    expect(readdirSync(join(root, 'src'))).toEqual(['app.module.ts']);
  });

  it('writes with the options given (alias make:co, --flat --no-spec)', async () => {
    const code = await runLattice({
      cwd: root,
      collection,
      argv: ['make:co', 'Counter', '--flat', '--no-spec'],
      output,
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(existsSync(join(root, 'src/counter.component.ts'))).toBe(true);
    expect(existsSync(join(root, 'src/counter.component.spec.ts'))).toBe(false);
  });

  it('a usage error (missing name) exits 2; a file in the way fails with exit 1 and writes nothing', async () => {
    expect(await runLattice({ cwd: root, collection, argv: ['make:component'], output })).toBe(2);
    expect(err).toContain("missing required argument 'name'");
    await runLattice({ cwd: root, collection, argv: ['make:component', 'Counter'], output });
    err = '';
    expect(
      await runLattice({ cwd: root, collection, argv: ['make:component', 'Counter'], output }),
    ).toBe(1);
    expect(err).toMatch(
      /The component schematic (stopped|did not write anything): src\/counter\/counter\.component\.(spec\.)?ts already exists/,
    );
  });
});
