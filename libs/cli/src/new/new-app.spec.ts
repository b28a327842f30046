import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLattice } from '../lattice';
import { appFolderOf } from './new-app';

const collection = join(__dirname, '../../../../schematics/src/collection.json');

describe('lattice new', () => {
  let cwd: string;
  let out = '';
  let err = '';
  const output = {
    writeOut: (t: string) => void (out += t),
    writeErr: (t: string) => void (err += t),
  };
  const lattice = (...argv: string[]) => runLattice({ cwd, collection, argv, output });

  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'lattice-cli-new-'));
    out = err = '';
  });

  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  it('--skip-install --dry-run lists the app’s files and the next two commands, and writes nothing', async () => {
    expect(await lattice('new', 'Shop', '--skip-install', '--dry-run')).toBe(0);
    expect(err).toBe('');
    for (const file of [
      'package.json',
      'nest-cli.json',
      'src/main.ts',
      'src/app.module.ts',
      'src/home/counter.state.ts',
      'src/home/welcome.job.ts',
    ])
      expect(out).toMatch(new RegExp(`CREATE shop/${file.replace(/\./g, '\\.')} \\(\\d+ bytes\\)`));
    expect(out).toContain('Dry run: nothing was written.');
    expect(out).toMatch(
      /Would create Shop in shop\. Next:\n {2}cd shop\n {2}npm install && npm start\n$/,
    );
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--skip-install writes the app (no install) into --directory, --no-spec without tests', async () => {
    expect(
      await lattice('new', 'shop', '--skip-install', '--directory', 'apps/store', '--no-spec'),
    ).toBe(0);
    expect(err).toBe('');
    const app = join(cwd, 'apps/store');
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).name).toBe('shop');
    expect(existsSync(join(app, 'src/main.ts'))).toBe(true);
    expect(existsSync(join(app, 'node_modules'))).toBe(false);
    const files = readdirSync(app, { recursive: true }).map(String);
    expect(files.filter((f) => f.endsWith('.spec.ts') && !f.includes('node_modules'))).toEqual([]);
    expect(out).toMatch(
      /Created shop in apps\/store\. Next:\n {2}cd apps\/store\n {2}npm install && npm start\n$/,
    );
  });

  it('refuses a folder that is not empty (exit 2), and a package manager it does not know', async () => {
    mkdirSync(join(cwd, 'shop'));
    writeFileSync(join(cwd, 'shop', 'notes.txt'), 'mine');
    expect(await lattice('new', 'shop', '--skip-install')).toBe(2);
    expect(err).toContain('lattice new: shop already exists and is not empty.');
    expect(readdirSync(join(cwd, 'shop'))).toEqual(['notes.txt']);
    err = '';
    expect(await lattice('new', 'other', '--package-manager', 'bun')).toBe(2);
    expect(err).toMatch(/argument 'bun' is invalid. Allowed choices are npm, pnpm, yarn/);
  });

  it('names the folder as the application schematic does', () => {
    expect(appFolderOf('MyShop')).toBe('my-shop');
    expect(appFolderOf('acme/my_shop')).toBe('my-shop');
  });
});
