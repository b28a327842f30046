// Every schematic into one app, then the app type-checked against the libraries and its
// generated tests run, so a template cannot drift from the APIs it uses.
import { HostTree } from '@angular-devkit/schematics';
import type { UnitTestTree } from '@angular-devkit/schematics/testing';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { appTree, runner } from './testing/app-tree';

const repo = join(__dirname, '..', '..');
// Inside the repo (var/ is git-ignored), so the app resolves the repo's node_modules.
const out = join(repo, 'var', 'schematics-app', `${process.pid}-${Date.now()}`);
/** Another libraries tree to check against (a checkout of other branches), else the repo's libs. */
const libs = process.env.LATTICE_LIBS_DIR ?? join(repo, 'libs');

/** The root module of a Lattice app, as the application schematic will write it. */
const APP_MODULE = `import { LatticeModule } from '@lattice/core';
import { DatabaseModule } from '@lattice/database';
import { EventsModule } from '@lattice/events';
import { LiveModule } from '@lattice/live';
import { QueueModule } from '@lattice/queue';
import { SocketModule } from '@lattice/socket';
import { StateModule } from '@lattice/state';
import { Module } from '@nestjs/common';
import { AppController } from './app.controller';

@Module({
  imports: [
    LatticeModule.forRoot({
      env: { LOG_LEVEL: 'error', DATABASE_URL: 'sqlite::memory:' },
      envFile: false,
      bootReport: false,
    }),
    DatabaseModule.forRoot(),
    SocketModule.forRoot(),
    LiveModule.forRoot({ secret: 'a-test-secret-that-is-long-enough-0123456789' }),
    StateModule.forRoot({ store: 'memory' }),
    QueueModule.forRoot(),
    EventsModule.forRoot(),
  ],
  controllers: [AppController],
  providers: [],
})
export class AppModule {}
`;

const DATABASE = `import { DatabaseModule } from '@lattice/database';

export const database = () => DatabaseModule.forRoot({ seeders: [] });
`;

async function generate(): Promise<UnitTestTree> {
  const schematics = runner();
  let tree = appTree({
    '/src/app.module.ts': APP_MODULE,
    '/src/database/database.ts': DATABASE,
    '/.prettierrc': JSON.stringify({ singleQuote: true, trailingComma: 'all', printWidth: 100 }),
  });
  const steps: [string, Record<string, unknown>][] = [
    ['module', { name: 'chat' }],
    ['component', { name: 'chat/counter' }],
    ['page', { name: 'chat/board' }],
    ['page', { name: 'home', component: 'counter', layout: 'site', route: '/' }],
    ['layout', { name: 'site' }],
    ['state', { name: 'scoreboard' }],
    ['job', { name: 'send-receipt', queue: 'mail' }],
    ['listener', { name: 'order-placed' }],
    ['event', { name: 'answer-posted', channel: 'question.{questionId}' }],
    ['event', { name: 'room-joined', channel: 'room', presence: true }],
    ['policy', { name: 'invoice' }],
    ['migration', { name: 'create-posts-table', timestamp: 1800000000000 }],
    ['migration', { name: 'add-slug-to-posts', timestamp: 1800000000001 }],
    ['seeder', { name: 'tags' }],
    ['resource', { name: 'post', timestamp: 1800000000002 }],
  ];
  for (const [schematic, options] of steps) {
    tree = await schematics.runSchematic(schematic, options, tree);
  }
  return tree;
}

function write(tree: UnitTestTree, out: string): string[] {
  const files: string[] = [];
  for (const path of tree.files) {
    const target = join(out, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, tree.readContent(path));
    if (path.endsWith('.ts')) files.push(target);
  }
  return files;
}

function typeCheck(files: string[]): string {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(repo, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  const paths = Object.fromEntries(
    Object.entries(config.options.paths ?? {}).map(([key, targets]) => [
      key,
      targets.map((t) => t.replace(/^(\.\/)?libs\//, `./${relative(repo, libs)}/`)),
    ]),
  );
  const program = ts.createProgram(files, {
    ...config.options,
    paths,
    noEmit: true,
    rootDir: undefined,
    noUnusedLocals: true,
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => repo,
    getNewLine: () => '\n',
  });
}

interface JestResults {
  numTotalTestSuites: number;
  numFailedTestSuites: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
}

function runGeneratedTests(out: string, setupFiles: string[] = []): JestResults {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const jestConfig = require(join(repo, 'jest.config.js')) as {
    projects: Record<string, unknown>[];
  };
  const unit = jestConfig.projects.find((project) => project.displayName === 'schematics')!;
  const libsDir = relative(repo, libs);
  const config = {
    ...unit,
    displayName: 'generated app',
    testTimeout: 60_000,
    rootDir: repo,
    testMatch: [`${out}/**/*.spec.ts`],
    setupFiles,
    testPathIgnorePatterns: ['/node_modules/'],
    // One libs tree in Jest's module map: two libs/*/package.json of one name would collide.
    modulePathIgnorePatterns: [
      ...((unit.modulePathIgnorePatterns as string[]) ?? []),
      libsDir === 'libs' ? '<rootDir>/var/(?!schematics-app)' : '<rootDir>/libs/',
    ],
    moduleNameMapper: {
      '^@lattice/([^/]+)$': `<rootDir>/${libsDir}/$1/src`,
      '^@lattice/([^/]+)/(.*)$': `<rootDir>/${libsDir}/$1/src/$2`,
    },
  };
  const configFile = join(out, 'jest.config.json');
  const resultsFile = join(out, 'results.json');
  writeFileSync(configFile, JSON.stringify(config));
  try {
    execFileSync(
      process.execPath,
      [
        join(repo, 'node_modules', 'jest', 'bin', 'jest.js'),
        ...['--config', configFile, '--ci', '--runInBand', '--json', '--outputFile', resultsFile],
      ],
      { cwd: repo, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CI: 'true' } },
    );
    return JSON.parse(readFileSync(resultsFile, 'utf8')) as JestResults;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    throw new Error(`The generated tests failed:\n${failed.stderr ?? ''}${failed.stdout ?? ''}`, {
      cause: error,
    });
  }
}

describe('an app made with every schematic', () => {
  let files: string[];

  beforeAll(async () => {
    files = write(await generate(), out);
    // The resource's pages in Chromium: not generated (apps need not have a browser), but run here.
    const browserSpec = join(out, 'src', 'posts', 'posts.browser.spec.ts');
    copyFileSync(join(__dirname, 'testing', 'posts.browser.spec.ts.fixture'), browserSpec);
    files.push(browserSpec);
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('registers what it generated in the right modules', () => {
    const tree = (path: string) => ts.sys.readFile(join(out, path)) ?? '';
    expect(tree('src/app.module.ts')).toMatch(
      /EventsModule\.forRoot\(\),\s+ChatModule,\s+PostsModule,\s+\]/,
    );
    expect(tree('src/chat/chat.module.ts')).toContain('controllers: [BoardPage]');
    expect(tree('src/chat/chat.module.ts')).toContain(
      'providers: [CounterComponent, BoardComponent]',
    );
    expect(tree('src/database/database.ts')).toContain('seeders: [TagsSeeder]');
  });

  it('type-checks against the libraries', () => {
    expect(typeCheck(files)).toBe('');
  }, 180_000);

  it('passes its generated tests', () => {
    const specs = files.filter((f) => f.endsWith('.spec.ts')).length;
    expect(specs).toBe(17);
    const results = runGeneratedTests(out);
    expect(results).toMatchObject({
      numTotalTestSuites: specs,
      numFailedTestSuites: 0,
      numFailedTests: 0,
      numPendingTests: 0,
    });
    expect(results.numPassedTests).toBeGreaterThanOrEqual(specs);
  }, 300_000);
});

describe('the starter app, with a resource generated into it', () => {
  const app = `${out}-starter`;
  let files: string[];

  beforeAll(async () => {
    const schematics = runner();
    let tree = await schematics.runSchematic(
      'application',
      { name: 'starter', directory: '/' },
      new HostTree() as unknown as UnitTestTree,
    );
    tree = await schematics.runSchematic(
      'resource',
      { name: 'question', sourceRoot: 'src', timestamp: 1800000000003 },
      tree,
    );
    files = write(tree, app);
  }, 120_000);
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('imports the resource in its AppModule', () => {
    expect(ts.sys.readFile(join(app, 'src/app.module.ts'))).toMatch(
      /HomeModule,\s+QuestionsModule,\s+\]/,
    );
  });

  it('type-checks against the libraries', () => {
    expect(typeCheck(files)).toBe('');
  }, 180_000);

  it('passes its unit, end-to-end and Chromium tests', () => {
    const specs = files.filter((f) => f.endsWith('.spec.ts')).length;
    expect(specs).toBe(6);
    const results = runGeneratedTests(app, [join(app, 'test', 'env.ts')]);
    expect(results).toMatchObject({
      numTotalTestSuites: specs,
      numFailedTestSuites: 0,
      numFailedTests: 0,
      numPendingTests: 0,
    });
  }, 300_000);
});
