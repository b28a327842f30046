import 'reflect-metadata';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliExitCode, LATTICE_CLI_COMMAND, LATTICE_CLI_OPTION } from '@lattice/core/cli';
import { runLattice } from '../lattice';
import { appModuleFile, commandEntryOf, findApp, libraryEntries } from './app-package';
import { loadAppCommands, loadLibraries } from './load-commands';

/**
 * An installed package whose entry defines a command module the way the compiled decorators
 * do (Reflect metadata), so the fixture needs no compiler.
 */
function commandEntry(
  moduleName: string,
  commands: Array<{ name: string; option?: string }>,
): string {
  const classes = commands
    .map(
      ({ name, option }, i) => `
class Command${i} { parse() {} }
Reflect.defineMetadata('${LATTICE_CLI_COMMAND}', { name: '${name}', description: 'does ${name}' }, Command${i});
${option ? `Reflect.defineMetadata('${LATTICE_CLI_OPTION}', { flags: '${option}', description: 'an option' }, Command${i}.prototype.parse);` : ''}`,
    )
    .join('\n');
  return `${classes}
class ${moduleName} {}
Reflect.defineMetadata('providers', [${commands.map((_, i) => `Command${i}`).join(', ')}], ${moduleName});
exports.${moduleName} = ${moduleName};
`;
}

function writePackage(dir: string, manifest: object, files: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
}

describe('lattice in an app: which command modules it finds from package.json', () => {
  let root: string;
  const output = { out: '', err: '' };
  const capture = {
    writeOut: (t: string) => void (output.out += t),
    writeErr: (t: string) => void (output.err += t),
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lattice-cli-app-'));
    output.out = output.err = '';
    const modules = join(root, 'node_modules', '@lattice');
    // Declares its command entry.
    writePackage(
      join(modules, 'database'),
      {
        name: '@lattice/database',
        lattice: { commands: './cli' },
        exports: { '.': './index.js', './cli': './cli/index.js' },
      },
      {
        'cli/index.js': commandEntry('DatabaseCommandsModule', [
          { name: 'db:migrate' },
          { name: 'db:seed', option: '-c, --count <n>' },
        ]),
      },
    );
    // Only has a ./cli export.
    writePackage(
      join(modules, 'queue'),
      { name: '@lattice/queue', exports: { '.': './index.js', './cli': './cli/index.js' } },
      { 'cli/index.js': commandEntry('QueueCommandsModule', [{ name: 'queue:list' }]) },
    );
    // A ./cli export without commands (core's is the command layer itself).
    writePackage(
      join(modules, 'core'),
      { name: '@lattice/core', exports: { '.': './index.js', './cli': './cli/index.js' } },
      {
        'cli/index.js':
          'class LatticeCliModule {}\nReflect.defineMetadata("providers", [], LatticeCliModule);\nexports.LatticeCliModule = LatticeCliModule;\n',
      },
    );
    // No command entry at all.
    writePackage(join(modules, 'live'), { name: '@lattice/live', exports: { '.': './index.js' } });
    // Installed, but the app does not list it: not its commands.
    writePackage(
      join(modules, 'security'),
      { name: '@lattice/security', lattice: { commands: './cli' } },
      { 'cli/index.js': commandEntry('SecurityCommandsModule', [{ name: 'audit:verify' }]) },
    );
    writePackage(root, {
      name: 'shop',
      dependencies: {
        '@lattice/core': '^0.1.0',
        '@lattice/database': '^0.1.0',
        '@lattice/live': '^0.1.0',
        zod: '^4.0.0',
      },
      devDependencies: { '@lattice/queue': '^0.1.0', '@lattice/events': '^0.1.0' },
    });
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
    process.exitCode = undefined;
  });

  it('finds the listed @lattice/* packages with a command entry, and names the listed-but-missing', () => {
    // From a folder inside the app: the nearest package.json up.
    const app = findApp(join(root, 'node_modules', '@lattice'))!;
    expect(app.root).toBe(root);
    const { found, missing } = libraryEntries(app);
    expect(found.map(({ library, specifier }) => ({ library, specifier }))).toEqual([
      { library: '@lattice/core', specifier: '@lattice/core/cli' },
      { library: '@lattice/database', specifier: '@lattice/database/cli' },
      { library: '@lattice/queue', specifier: '@lattice/queue/cli' },
    ]);
    expect(missing).toEqual(['@lattice/events']);
    expect(found[1].file).toBe(join(root, 'node_modules/@lattice/database/cli/index.js'));
  });

  it('loads only the modules that hold commands (not core’s command layer)', () => {
    const { libraries } = loadLibraries(findApp(root)!);
    expect(libraries.map((l) => [l.library, l.module.name])).toEqual([
      ['@lattice/database', 'DatabaseCommandsModule'],
      ['@lattice/queue', 'QueueCommandsModule'],
    ]);
  });

  it('reads the command entry from "lattice": { "commands" }, or the ./cli export', () => {
    expect(commandEntryOf('@x/a', { lattice: { commands: './tools' } })).toBe('@x/a/tools');
    expect(commandEntryOf('@x/a', { lattice: { commands: '.' } })).toBe('@x/a');
    expect(
      commandEntryOf('@x/a', { lattice: { commands: false }, exports: { './cli': './cli.js' } }),
    ).toBeUndefined();
    expect(commandEntryOf('@x/a', { exports: { './cli': './cli.js' } })).toBe('@x/a/cli');
    expect(commandEntryOf('@x/a', { exports: './index.js' })).toBeUndefined();
  });

  it('--help lists exactly the installed libraries’ commands, grouped by library, without booting', async () => {
    const code = await runLattice({ cwd: root, argv: ['--help'], output: capture });
    expect(code).toBe(CliExitCode.Success);
    expect(output.out).toMatch(
      /@lattice\/database:\n\s+db:migrate\s+does db:migrate\n\s+db:seed \[options\]/,
    );
    expect(output.out).toMatch(/@lattice\/queue:\n\s+queue:list/);
    expect(output.out).not.toContain('audit:verify');
    expect(output.out).toMatch(/Lattice:\n\s+new \[options\] <name>/);
    expect(output.out).toContain('@lattice/events is in package.json but not installed');
    expect(output.out).toContain('npm i -D @lattice/schematics');
    // A command's own help comes from its decorators too.
    output.out = '';
    expect(await runLattice({ cwd: root, argv: ['help', 'db:seed'], output: capture })).toBe(0);
    expect(output.out).toContain('-c, --count <n>  an option');
  });

  it('answers an unknown command with the closest name, and exit code 2', async () => {
    const code = await runLattice({ cwd: root, argv: ['db:migrat'], output: capture });
    expect(code).toBe(CliExitCode.Usage);
    expect(output.err).toContain(
      'lattice: unknown command "db:migrat". Did you mean "db:migrate"?',
    );
  });

  it('make:* without @lattice/schematics fails naming the package to install', async () => {
    const code = await runLattice({
      cwd: root,
      argv: ['make:component', 'Counter'],
      output: capture,
    });
    expect(code).toBe(CliExitCode.Failure);
    expect(output.err).toContain('npm i -D @lattice/schematics');
  });

  it('takes the app’s command module from package.json, else dist/cli.module.js', () => {
    const app = findApp(root)!;
    expect(appModuleFile(app)).toBeUndefined();
    writePackage(
      join(root, 'dist'),
      {},
      { 'cli.module.js': commandEntry('CliModule', [{ name: 'shop:report' }]) },
    );
    expect(appModuleFile(app)).toEqual({
      file: join(root, 'dist', 'cli.module.js'),
      configured: false,
    });
    expect(loadAppCommands(app)?.module.name).toBe('CliModule');
    const configured = {
      ...app,
      manifest: { ...app.manifest, lattice: { commands: 'build/commands.js' } },
    };
    expect(() => loadAppCommands(configured)).toThrow(
      /build\/commands\.js does not exist \(package\.json "lattice": \{ "commands" \} names it\)/,
    );
  });

  it('lists the app’s own commands under its name', async () => {
    writePackage(
      join(root, 'dist'),
      {},
      { 'cli.module.js': commandEntry('CliModule', [{ name: 'shop:report' }]) },
    );
    expect(await runLattice({ cwd: root, argv: ['--help'], output: capture })).toBe(0);
    expect(output.out).toMatch(/shop \(this app\):\n\s+shop:report\s+does shop:report/);
  });

  it('still answers --help when the configured module is not built, and says so', async () => {
    writePackage(root, {
      name: 'shop',
      dependencies: { '@lattice/database': '^0.1.0' },
      lattice: { commands: 'dist/cli.module.js' },
    });
    expect(await runLattice({ cwd: root, argv: ['--help'], output: capture })).toBe(0);
    expect(output.out).toContain('db:migrate');
    expect(output.out).toMatch(
      /Note: The app's command module dist\/cli\.module\.js does not exist .*npm run build/,
    );
    // A command that needs it fails with the same message, before anything boots.
    output.err = '';
    expect(await runLattice({ cwd: root, argv: ['db:migrate'], output: capture })).toBe(1);
    expect(output.err).toContain('Build the app first (npm run build)');
  });

  it('a library entry or app module that throws while loading becomes a note; help still answers', async () => {
    writePackage(
      join(root, 'node_modules/@lattice/queue'),
      { name: '@lattice/queue', lattice: { commands: './cli' } },
      {
        'cli/index.js': 'throw new Error("Cannot find module \'bullmq\'");\n',
      },
    );
    writePackage(join(root, 'dist'), {}, { 'cli.module.js': "require('./gone.js');\n" });
    expect(await runLattice({ cwd: root, argv: ['--help'], output: capture })).toBe(0);
    expect(output.out).toContain('db:migrate');
    expect(output.out).not.toContain('queue:list');
    expect(output.out).toContain("@lattice/queue/cli did not load (Cannot find module 'bullmq')");
    expect(output.out).toMatch(
      /Loading the app's command module dist\/cli\.module\.js failed: (Error: )?Cannot find module '\.\/gone\.js'/,
    );
    output.err = '';
    expect(await runLattice({ cwd: root, argv: ['db:migrate'], output: capture })).toBe(1);
    expect(output.err).toContain('Fix the error it names and rebuild (npm run build)');
  });
});
