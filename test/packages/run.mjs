// npm run test:packages: the libraries as a stranger gets them. Checks that every library declares
// what it imports, builds and packs every library, then in a temporary folder outside the
// repository creates Nest apps as `nest new` makes them (ESM, and CommonJS), installs only the
// tarballs each scenario needs, builds each app with `nest build`, starts it with node and
// checks its page over HTTP and, for the live pages, in Chromium.
//
//   node test/packages/run.mjs [--no-build] [--only a,c] [--format esm|cjs] [--keep]
//
// --no-build packs the libs/*/dist that `npm run build` made (CI); --keep leaves the apps.
// A scenario whose code needs a package it did not install fails: npm cannot fetch @lattice/*
// from anywhere but the tarballs, and the app does not start without what it loads.
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BROWSER_MANIFEST, LIBRARIES, root } from '../../scripts/lib-packages.mjs';
import { exportsMap } from '../../scripts/build-libs.mjs';
import { declarationProblems } from './declarations.mjs';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const BUILD = !args.includes('--no-build');
const KEEP = args.includes('--keep');
const ONLY = option('--only')?.split(',');
const FORMATS = option('--format')?.split(',') ?? ['esm', 'cjs'];
const CONCURRENCY = Number(process.env.PACKAGES_CONCURRENCY ?? 2);
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** Third-party packages at the versions the repository is tested with. */
const version = (name) =>
  rootPackage.dependencies[name] ?? rootPackage.devDependencies[name] ?? 'latest';
const withVersions = (names) => Object.fromEntries(names.map((name) => [name, version(name)]));

const WS = ['@nestjs/platform-ws', '@nestjs/websockets'];
const SQLITE = ['@nestjs/typeorm', 'typeorm', 'better-sqlite3'];

/**
 * The scenarios: the Lattice packages each installs (nothing else of Lattice), the other packages
 * its install line names, its sources (test/packages/apps/<app>) and what is checked.
 */
const SCENARIOS = [
  {
    id: 'a',
    app: 'live-counter',
    title: 'core + socket + live: a live counter page',
    libs: ['core', 'socket', 'live'],
    deps: [...WS],
    ws: true,
    check: liveCounter,
  },
  {
    id: 'b',
    app: 'shared-counter',
    title: 'core + socket + live + state: a counter shared between two pages',
    libs: ['core', 'socket', 'live', 'state'],
    deps: [...WS],
    ws: true,
    check: sharedCounter,
  },
  {
    id: 'c',
    app: 'repository-list',
    title: 'core + database + cli: a repository list on SQLite, and its lattice command',
    libs: ['core', 'database', 'cli'],
    deps: [...SQLITE],
    schematics: true,
    ws: false,
    check: repositoryList,
    cli: {
      listed: ['db:migrate', 'db:migrate:status', 'db:seed'],
      absent: ['queue:', 'audit:verify'],
      run: ['db:migrate:status'],
    },
  },
  {
    id: 'd',
    app: 'job-broadcast',
    title:
      'core + socket + queue + events + cluster + cli: a locked job and a broadcast on a cluster of one, and its lattice command',
    libs: ['core', 'socket', 'queue', 'events', 'cluster', 'cli'],
    deps: [...WS, '@nestjs/event-emitter'],
    schematics: true,
    ws: true,
    check: jobBroadcast,
    cli: {
      listed: ['queue:list', 'queue:work', 'queue:retry', 'cluster:status', 'queue:supervise'],
      absent: ['db:', 'audit:verify'],
      run: ['cluster:status'],
    },
  },
  {
    id: 'e',
    app: 'login-page',
    title: 'core + database + socket + security: a login-protected page',
    libs: ['core', 'database', 'socket', 'security'],
    deps: [...WS, ...SQLITE, '@nestjs/jwt', '@nestjs/throttler'],
    ws: true,
    check: loginPage,
  },
  {
    id: 'f',
    app: 'ai-offline',
    title: 'core + ai + cli: text insights by the offline provider (no key, no network)',
    libs: ['core', 'ai', 'cli'],
    deps: [],
    schematics: true,
    ws: false,
    check: aiOffline,
    cli: { listed: ['ai:usage'], absent: ['db:', 'queue:', 'audit:verify'], run: ['ai:usage'] },
  },
].filter((scenario) => !ONLY || ONLY.includes(scenario.id));

// ---------------------------------------------------------------------------------------------
// Progress and processes

const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);
function progress(label, step, since) {
  process.stdout.write(
    `[${seconds(started).padStart(6)} s] ${label.padEnd(10)} ${step}${since ? ` (${seconds(since)} s)` : ''}\n`,
  );
}

class StepError extends Error {
  constructor(step, message, output = '') {
    super(message);
    this.step = step;
    this.output = output;
  }
}

/** Runs a command to its end; rejects with its output when it fails. */
function run(step, command, commandArgs, { cwd, env = process.env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => reject(new StepError(step, error.message, output)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else
        reject(
          new StepError(
            step,
            `${command} ${commandArgs.join(' ')} ${signal ? `was killed (${signal})` : `exited with ${code}`}`,
            output,
          ),
        );
    });
  });
}

const npm = (step, npmArgs, cwd) =>
  run(step, 'npm', npmArgs, {
    cwd,
    env: {
      ...process.env,
      // No @lattice/* from any registry: only the tarballs. A peer a scenario did not install
      // fails the install here, instead of some stranger's package of the same name coming in.
      'npm_config_@lattice:registry': 'http://127.0.0.1:9/',
      npm_config_fetch_retries: '0',
      npm_config_update_notifier: 'false',
    },
  });
const npmInstallFlags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The apps, as `nest new` makes them (@nestjs/schematics 12, application schematic: `ts-esm`
// files for ESM, `ts` for CommonJS), without the test and lint tooling the scenarios do not run.

const BASE_DEPENDENCIES = withVersions([
  '@nestjs/common',
  '@nestjs/core',
  '@nestjs/platform-express',
  'reflect-metadata',
  'rxjs',
]);
const BASE_DEV_DEPENDENCIES = {
  ...withVersions(['@nestjs/cli', '@nestjs/schematics', 'typescript']),
  '@types/express': '^5.0.0',
  '@types/node': version('@types/node'),
};
/** Native packages built once, in the base every app is copied from (npm keeps them built). */
const PREBUILT = withVersions(['better-sqlite3']);

function packageJson(format, dependencies, allowScripts = { 'better-sqlite3': true }) {
  return {
    name: 'lattice-packages-app',
    version: '0.0.1',
    private: true,
    license: 'UNLICENSED',
    ...(format === 'esm' ? { type: 'module' } : {}),
    scripts: { build: 'nest build', start: 'nest start', 'start:prod': 'node dist/main' },
    dependencies,
    devDependencies: BASE_DEV_DEPENDENCIES,
    // npm 11 runs install scripts only for the packages listed here.
    allowScripts,
  };
}

function tsconfig(format) {
  return {
    compilerOptions: {
      module: 'nodenext',
      moduleResolution: 'nodenext',
      resolvePackageJsonExports: true,
      esModuleInterop: true,
      isolatedModules: true,
      declaration: true,
      removeComments: true,
      emitDecoratorMetadata: true,
      experimentalDecorators: true,
      allowSyntheticDefaultImports: true,
      target: 'ES2023',
      sourceMap: true,
      outDir: './dist',
      rootDir: '.',
      incremental: true,
      skipLibCheck: true,
      strict: format === 'esm' ? true : false,
      strictPropertyInitialization: false,
      types: ['node'],
    },
  };
}

function mainTs(format, ws) {
  return `import { NestFactory } from '@nestjs/core';
${ws ? "import { WsAdapter } from '@nestjs/platform-ws';\n" : ''}import { AppModule } from './app.module${format === 'esm' ? '.js' : ''}';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
${ws ? '  app.useWebSocketAdapter(new WsAdapter(app)); // @lattice/socket runs on the ws adapter\n' : ''}  app.enableShutdownHooks();
  await app.listen(process.env.PORT ?? 3000, '127.0.0.1');
  console.log(\`listening on \${await app.getUrl()}\`);
}
${format === 'esm' ? 'await bootstrap();' : 'void bootstrap();'}
`;
}

function writeApp(dir, format, scenario, tarballs) {
  const dependencies = {
    ...BASE_DEPENDENCIES,
    ...withVersions(scenario.deps),
    ...Object.fromEntries(
      scenario.libs.map((lib) => [`@lattice/${lib}`, `file:${tarballs.get(lib)}`]),
    ),
    // @lattice/cli's make:* (and its peer): the collection, packed from schematics/dist.
    ...(scenario.schematics ? { '@lattice/schematics': `file:${tarballs.get('schematics')}` } : {}),
  };
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(packageJson(format, dependencies), null, 2)}\n`,
  );
  writeFileSync(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig(format), null, 2)}\n`);
  writeFileSync(
    join(dir, 'tsconfig.build.json'),
    `${JSON.stringify({ extends: './tsconfig.json', compilerOptions: { rootDir: './src' }, include: ['src'], exclude: ['node_modules', 'test', 'dist', '**/*spec.ts'] }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, 'nest-cli.json'),
    `${JSON.stringify({ $schema: 'https://json.schemastore.org/nest-cli', collection: '@nestjs/schematics', sourceRoot: 'src', compilerOptions: { deleteOutDir: true } }, null, 2)}\n`,
  );
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  const sources = join(root, 'test', 'packages', 'apps', scenario.app);
  for (const file of readdirSync(sources)) {
    let code = readFileSync(join(sources, file), 'utf8');
    // The sources import relative files as './x.js' (ESM, nodenext); a CommonJS app as `nest new`
    // writes it imports './x'.
    if (format === 'cjs') code = code.replace(/(from '\.\/[^']+)\.js'/g, "$1'");
    writeFileSync(join(src, file), code);
  }
  writeFileSync(join(src, 'main.ts'), mainTs(format, scenario.ws));
}

// ---------------------------------------------------------------------------------------------
// The checks

let browser;
async function openBrowser() {
  browser ??= chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return browser;
}

async function get(url, init) {
  const response = await fetch(url, { redirect: 'manual', ...init });
  return { status: response.status, body: await response.text(), headers: response.headers };
}

function expect(condition, message) {
  if (!condition) throw new StepError('check', message);
}

/** The script tag's file is the one the package ships prebuilt (so no esbuild ran in the app). */
async function expectPrebuiltScript(base, html, lib, folder, entry) {
  const manifest = JSON.parse(
    readFileSync(join(root, 'libs', lib, 'dist', folder, BROWSER_MANIFEST), 'utf8'),
  );
  const file = manifest[entry].file;
  expect(
    html.includes(`/${file}"`),
    `the page does not load the prebuilt ${file}: ${html.slice(0, 400)}`,
  );
  const src = html.match(new RegExp(`src="([^"]*/${file.replace(/\./g, '\\.')})"`))?.[1];
  const script = await get(`${base}${src}`);
  expect(script.status === 200, `${src} answered ${script.status}`);
  expect(
    script.body === readFileSync(join(root, 'libs', lib, 'dist', folder, file), 'utf8'),
    `${src} is not the prebuilt file`,
  );
}

async function livePage(context, url) {
  const page = await context.newPage();
  const errors = [];
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('html.l-connected', { timeout: 15_000 });
  return { page, errors };
}

async function countIs(page, expected) {
  await page.waitForFunction(
    (n) => globalThis.document.querySelector('#count')?.textContent === n, // runs in the page
    String(expected),
    { timeout: 10_000 },
  );
}

async function liveCounter(base) {
  const { status, body } = await get(base);
  expect(
    status === 200 && body.includes('data-l-root'),
    `GET / answered ${status}: ${body.slice(0, 300)}`,
  );
  await expectPrebuiltScript(base, body, 'live', 'client', 'runtime');
  const context = await (await openBrowser()).newContext();
  try {
    const { page, errors } = await livePage(context, base);
    await countIs(page, 0);
    await page.click('#add');
    await countIs(page, 1);
    await page.click('#add');
    await countIs(page, 2);
    expect(!errors.length, `the page logged errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  return 'GET / 200, prebuilt runtime served, Chromium: clicks count 0 → 1 → 2';
}

async function sharedCounter(base) {
  const { status, body } = await get(base);
  expect(
    status === 200 && body.includes('data-l-root'),
    `GET / answered ${status}: ${body.slice(0, 300)}`,
  );
  const context = await (await openBrowser()).newContext();
  try {
    const first = await livePage(context, base);
    const second = await livePage(context, base);
    await countIs(first.page, 0);
    await first.page.click('#add');
    await countIs(second.page, 1);
    await second.page.click('#add');
    await countIs(first.page, 2);
    const errors = [...first.errors, ...second.errors];
    expect(!errors.length, `the pages logged errors: ${errors.join('; ')}`);
  } finally {
    await context.close();
  }
  return 'Chromium: a click on one page shows on the other (0 → 1 → 2)';
}

async function repositoryList(base) {
  const { status, body } = await get(base);
  expect(
    status === 200 && body.includes('<li>lattice</li><li>nest</li><li>typeorm</li>'),
    `GET / answered ${status}: ${body.slice(0, 300)}`,
  );
  return 'GET / lists the 3 repositories stored in SQLite';
}

async function jobBroadcast(base) {
  const { status, body } = await get(base);
  expect(status === 200, `GET / answered ${status}: ${body.slice(0, 300)}`);
  await expectPrebuiltScript(base, body, 'events', 'client', 'browser');
  const queued = await get(`${base}/run/r1`);
  expect(
    queued.status === 200 && JSON.parse(queued.body).fence >= 1,
    `GET /run/r1 answered ${queued.status}: ${queued.body}`,
  );
  const until = Date.now() + 10_000;
  let last;
  while (Date.now() < until) {
    last = JSON.parse((await get(`${base}/status`)).body);
    if (last.ready?.includes('r1') && last.channel?.offset >= 1) {
      expect(
        last.cluster?.members === 1 && last.cluster?.leader === true,
        `a cluster of one should list itself and lead: ${JSON.stringify(last.cluster)}`,
      );
      return `job dispatched under a fenced lock, ran, its event was heard and broadcast on 'reports' (offset ${last.channel.offset}); a cluster of one that leads; prebuilt events script served`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // polling the condition
  }
  throw new StepError(
    'check',
    `the job's event did not arrive in 10 s: /status is ${JSON.stringify(last)}`,
  );
}

async function aiOffline(base) {
  const text =
    'I love this framework, the live pages are wonderful. Live pages update over one WebSocket. The docs are clear.';
  const { status, body } = await get(`${base}/?text=${encodeURIComponent(text)}`);
  expect(status === 200, `GET /?text=… answered ${status}: ${body.slice(0, 300)}`);
  const insights = JSON.parse(body);
  expect(
    insights.sentiment === 'positive' &&
      insights.language === 'en' &&
      insights.provider === 'offline' &&
      insights.keywords.length > 0 &&
      text.includes(insights.summary),
    `GET /?text=… gave ${body}`,
  );
  const chat = await get(`${base}/chat?prompt=hello`);
  expect(
    chat.status === 501 && /chat/i.test(chat.body),
    `GET /chat should be a 501 naming chat without an OpenAI-compatible provider: ${chat.status} ${chat.body}`,
  );
  return `offline insights ${JSON.stringify(insights.keywords)} (${insights.sentiment}, ${insights.language}); chat → 501`;
}

async function loginPage(base) {
  const anonymous = await get(`${base}/account`);
  expect(anonymous.status === 401, `GET /account without login answered ${anonymous.status}`);
  const registered = await get(`${base}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base, 'sec-fetch-site': 'same-origin' },
    body: JSON.stringify({
      username: 'ada',
      password: 'correct horse battery staple',
      delivery: 'bearer',
    }),
  });
  expect(
    registered.status === 201,
    `POST /auth/register answered ${registered.status}: ${registered.body}`,
  );
  const { accessToken } = JSON.parse(registered.body);
  const account = await get(`${base}/account`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  expect(
    account.status === 200 && account.body.includes('Welcome back, ada'),
    `GET /account after login answered ${account.status}: ${account.body.slice(0, 300)}`,
  );
  return 'GET /account: 401, then 200 after POST /auth/register';
}

/**
 * The app's `lattice` command (@lattice/cli): `--help` lists exactly the commands of the Lattice
 * libraries the scenario installed, grouped by library; `make:component --dry-run` reports the
 * files of @lattice/schematics' component and writes nothing; an unknown command exits with 2;
 * the scenario's `run` commands boot the app's command module (dist/cli.module.js) and succeed.
 */
async function latticeCommand(dir, scenario) {
  const env = {
    ...process.env,
    'npm_config_@lattice:registry': 'http://127.0.0.1:9/',
    npm_config_update_notifier: 'false',
    DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`,
  };
  // --no: the app's own bin, never a download.
  const lattice = (args) =>
    run(`lattice ${args[0]}`, 'npx', ['--no', '--', 'lattice', ...args], { cwd: dir, env });
  const help = await lattice(['--help']);
  const listed = (name) => new RegExp(`^\\s+${name.replace(/[:.]/g, '\\$&')}`, 'm').test(help);
  for (const name of scenario.cli.listed)
    expect(listed(name), `npx lattice --help does not list ${name}:\n${help}`);
  for (const prefix of scenario.cli.absent)
    expect(
      !listed(prefix),
      `npx lattice --help lists ${prefix}…, whose library this scenario does not install:\n${help}`,
    );
  for (const lib of scenario.libs.filter((lib) =>
    ['database', 'queue', 'security', 'ai', 'cluster'].includes(lib),
  ))
    expect(
      help.includes(`@lattice/${lib}:`),
      `npx lattice --help has no @lattice/${lib} group:\n${help}`,
    );
  const make = await lattice(['make:component', 'Foo', '--dry-run']);
  expect(
    /CREATE src\/foo\/foo\.component\.ts \(\d+ bytes\)/.test(make) &&
      make.includes('UPDATE src/app.module.ts'),
    `npx lattice make:component Foo --dry-run reported: ${make}`,
  );
  expect(!existsSync(join(dir, 'src', 'foo')), 'make:component --dry-run wrote src/foo');
  const unknown = await lattice(['db:migrat']).then(
    (output) => ({ message: 'exited with 0', output }),
    (error) => error,
  );
  expect(
    unknown.message.endsWith('exited with 2') && /unknown command "db:migrat"/.test(unknown.output),
    `npx lattice db:migrat should exit 2 with "unknown command": ${unknown.message} ${unknown.output}`,
  );
  for (const command of scenario.cli.run ?? []) await lattice([command]);
  return `--help lists ${scenario.cli.listed.length} expected commands and none of ${scenario.cli.absent.join(', ')}; make:component --dry-run; unknown command → 2${
    scenario.cli.run ? `; ran ${scenario.cli.run.join(', ')}` : ''
  }`;
}

// ---------------------------------------------------------------------------------------------
// The run

/** ': @lattice/live loads @lattice/cache (…), not installed' from a "Cannot find module" in a log. */
function missingModule(log) {
  const missing = log.match(/Cannot find (?:module|package) '([^']+)'/)?.[1];
  if (!missing) return '';
  const from = log.match(/node_modules\/((?:@[^/\s]+\/)?[^/\s]+)\/([^\s:')]+\.js)/);
  return `: ${from ? `${from[1]} (${from[2]}) loads` : 'the app loads'} '${missing}', which this scenario does not install`;
}

async function startApp(dir) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(port),
    LIVE_SECRET: 'packages-test-live-secret-0123456789abcdef',
    JWT_SECRET: 'packages-test-jwt-secret-0123456789abcdef0123',
    DATABASE_URL: `sqlite:${join(dir, 'app.sqlite')}`,
  };
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const app = { child, base, log: '', exited: undefined };
  child.stdout.on('data', (chunk) => (app.log += chunk));
  child.stderr.on('data', (chunk) => (app.log += chunk));
  app.exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve((app.exited = signal ?? code))),
  );
  const until = Date.now() + 45_000;
  while (Date.now() < until) {
    if (app.exited !== undefined)
      throw Object.assign(
        new StepError(
          'start',
          `the app exited (${app.exited}) before answering${missingModule(app.log)}`,
        ),
        { log: app.log },
      );
    try {
      await fetch(base);
      return app;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200)); // until the port answers
    }
  }
  child.kill('SIGKILL');
  throw Object.assign(new StepError('start', 'the app did not answer within 45 s'), {
    log: app.log,
  });
}

/**
 * Loads every entry (`.` and each subpath) of each installed package as the app's format does;
 * from ESM, every name the CommonJS file exports must be importable by name (Node finds them
 * with cjs-module-lexer). A subpath entry that needs an optional peer the scenario did not
 * install is skipped and named; a main entry that does fails.
 */
async function probeEntries(dir, format, scenario) {
  cpSync(join(root, 'test/packages/entries-probe.mjs'), join(dir, 'entries-probe.mjs'));
  const output = await run(
    'entries',
    process.execPath,
    ['entries-probe.mjs', format, ...scenario.libs.map((lib) => `@lattice/${lib}`)],
    { cwd: dir },
  );
  const entries = output
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
  // A main entry must load without optional peers; a subpath may need one (that is its point).
  const isMain = (specifier) => specifier.split('/').length === 2;
  const broken = entries.filter(
    (e) => (e.error && (!e.needsOptionalPeer || isMain(e.specifier))) || e.undetected?.length,
  );
  if (broken.length)
    throw new StepError(
      'entries',
      `${broken.length} entr${broken.length === 1 ? 'y does' : 'ies do'} not load from ${format === 'esm' ? 'ESM' : 'CommonJS'}: ${broken
        .map(
          (e) =>
            `${e.specifier}: ${e.error ?? `ESM import misses ${e.undetected.join(', ')}`}${
              e.needsOptionalPeer
                ? ` (an optional peer, loaded by the main entry: it belongs in a subpath or behind a lazy require)`
                : ''
            }`,
        )
        .join('; ')}`,
      output,
    );
  const skipped = entries.filter((e) => e.needsOptionalPeer);
  const names = entries.reduce((sum, e) => sum + (e.names ?? 0), 0);
  return `${entries.length - skipped.length} loaded (${format === 'esm' ? `import: all ${names} names found` : `require: ${names} names`})${
    skipped.length
      ? `; ${skipped.map((e) => `${e.specifier} needs ${e.needsOptionalPeer}`).join(', ')}`
      : ''
  }`;
}

const removals = [];

async function runScenario(scenario, format, bases, tarballs, work) {
  const label = `${scenario.id} ${format}`;
  const dir = join(work, `${scenario.id}-${scenario.app}-${format}`);
  const result = { scenario, format, ok: false, seconds: 0 };
  const t0 = Date.now();
  let app;
  try {
    let t = Date.now();
    cpSync(bases, dir, { recursive: true });
    writeApp(dir, format, scenario, tarballs);
    await npm('install', ['install', ...npmInstallFlags], dir).catch((error) => {
      // The registry @lattice/* points at refuses: name the package a declaration pulled in.
      const wanted = error.output?.match(/127\.0\.0\.1:9\/@lattice%2f([\w-]+)/)?.[1];
      const by = error.output?.match(/requiredBy: '([^']+)'/)?.[1];
      if (wanted)
        error.message = `npm wanted @lattice/${wanted}${by ? ` (required by ${by.replace('node_modules/', '')})` : ''}, which this scenario does not install: a required peer, or a dependency, that should be optional or a subpath's`;
      throw error;
    });
    progress(label, `installed ${scenario.libs.map((lib) => `@lattice/${lib}`).join(' ')}`, t);
    t = Date.now();
    progress(label, `entries: ${await probeEntries(dir, format, scenario)}`, t);
    t = Date.now();
    await run(
      'build',
      process.execPath,
      [join(dir, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'],
      { cwd: dir },
    );
    progress(label, 'nest build', t);
    if (scenario.cli) {
      t = Date.now();
      progress(label, `lattice: ${await latticeCommand(dir, scenario)}`, t);
    }
    t = Date.now();
    app = await startApp(dir);
    progress(label, 'started', t);
    t = Date.now();
    result.detail = await scenario.check(app.base);
    progress(label, `checked: ${result.detail}`, t);
    result.ok = true;
  } catch (error) {
    result.error =
      error instanceof StepError ? error : new StepError('harness', error.stack ?? String(error));
    result.log = app?.log ?? result.error.log;
    progress(label, `FAILED at ${result.error.step}: ${result.error.message.split('\n')[0]}`);
  } finally {
    if (app && app.exited === undefined) {
      const t = Date.now();
      app.child.kill('SIGTERM');
      const stopped = await Promise.race([
        app.exit,
        new Promise((r) => setTimeout(() => r('timeout'), 10_000)),
      ]);
      if (stopped === 'timeout') app.child.kill('SIGKILL');
      progress(
        label,
        stopped === 'timeout' ? 'did not stop on SIGTERM in 10 s: killed' : 'stopped',
        t,
      );
    }
    result.seconds = (Date.now() - t0) / 1000;
    // Removed while the other scenarios run (thousands of files); awaited before the end.
    if (!KEEP) removals.push(rm(dir, { recursive: true, force: true }));
  }
  return result;
}

async function pool(jobs, size) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, jobs.length) }, async () => {
      while (next < jobs.length) results.push(await jobs[next++]());
    }),
  );
  return results;
}

function packageProblems(packed) {
  const problems = [];
  for (const { name, files } of packed) {
    const lib = name.replace('@lattice/', '');
    const paths = new Set(files.map((f) => f.path));
    for (const path of paths)
      if (path.endsWith('.map'))
        problems.push(`${name}: ships a source map (${path}) without its sources.`);
    for (const [subpath, target] of Object.entries(exportsMap(lib)))
      for (const file of typeof target === 'string' ? [target] : Object.values(target))
        if (!paths.has(file.slice(2)))
          problems.push(
            `${name}: exports '${subpath}' → ${file}, which the tarball does not contain.`,
          );
  }
  return problems;
}

async function main() {
  const failures = [];
  let t = Date.now();
  const declared = declarationProblems();
  progress(
    'packages',
    `declarations: ${declared.length ? `${declared.length} problem(s)` : 'every import declared'}`,
    t,
  );
  if (declared.length)
    failures.push({ what: 'declarations (test/packages/declarations.mjs)', lines: declared });

  if (BUILD) {
    t = Date.now();
    await run('build', process.execPath, [join(root, 'scripts/build-libs.mjs')], { cwd: root });
    progress('packages', 'built libs/*/dist (scripts/build-libs.mjs)', t);
    t = Date.now();
    await run('build', process.execPath, [join(root, 'schematics/build.mjs')], { cwd: root });
    progress('packages', 'built schematics/dist (schematics/build.mjs)', t);
  }
  for (const lib of LIBRARIES)
    if (!existsSync(join(root, 'libs', lib, 'dist', 'package.json')))
      throw new Error(`libs/${lib}/dist is not built: run npm run build:libs, or drop --no-build.`);
  if (!existsSync(join(root, 'schematics', 'dist', 'package.json')))
    throw new Error(
      'schematics/dist is not built: run npm run build:schematics, or drop --no-build.',
    );

  const work = mkdtempSync(join(tmpdir(), 'lattice-packages-'));
  progress('packages', `working in ${work}`);
  t = Date.now();
  const tarballDir = join(work, 'tarballs');
  mkdirSync(tarballDir);
  const packed = JSON.parse(
    await npm(
      'pack',
      [
        'pack',
        '--json',
        '--pack-destination',
        tarballDir,
        ...LIBRARIES.map((lib) => join(root, 'libs', lib, 'dist')),
      ],
      root,
    ),
  );
  // @lattice/schematics is built apart (schematics/build.mjs), with no exports map to check.
  const [schematicsPacked] = JSON.parse(
    await npm(
      'pack',
      ['pack', '--json', '--pack-destination', tarballDir, join(root, 'schematics', 'dist')],
      root,
    ),
  );
  const tarballs = new Map(
    [...packed, schematicsPacked].map(({ name, filename }) => [
      name.replace('@lattice/', ''),
      join(tarballDir, filename),
    ]),
  );
  progress(
    'packages',
    `packed ${packed.length + 1} tarballs (${[...packed, schematicsPacked].map((p) => `${p.name} ${(p.size / 1024).toFixed(0)} kB`).join(', ')})`,
    t,
  );
  const packaging = packageProblems(packed);
  if (packaging.length) failures.push({ what: 'tarball contents', lines: packaging });

  // One base for every app: the `nest new` dependencies and the native SQLite driver, installed
  // once, then copied (npm prunes what a scenario does not list, and leaves what it keeps as it
  // is). better-sqlite3 compiles from source here (over 90 s): when the repository's copy is the
  // same version, its compiled addon is reused instead.
  t = Date.now();
  const base = join(work, 'base');
  mkdirSync(base);
  const sqliteAddon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  const reuseAddon =
    existsSync(join(root, sqliteAddon)) &&
    JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8'))
      .version === PREBUILT['better-sqlite3'];
  writeFileSync(
    join(base, 'package.json'),
    `${JSON.stringify(packageJson('cjs', { ...BASE_DEPENDENCIES, ...PREBUILT }, { 'better-sqlite3': !reuseAddon }), null, 2)}\n`,
  );
  await npm('base install', ['install', ...npmInstallFlags], base);
  if (reuseAddon) {
    mkdirSync(join(base, 'node_modules/better-sqlite3/build/Release'), { recursive: true });
    cpSync(join(root, sqliteAddon), join(base, sqliteAddon));
  }
  progress(
    'packages',
    `installed the Nest app base (${Object.keys({ ...BASE_DEPENDENCIES, ...BASE_DEV_DEPENDENCIES, ...PREBUILT }).join(' ')}${reuseAddon ? "; better-sqlite3's addon from the repository" : ''})`,
    t,
  );

  const jobs = SCENARIOS.flatMap((scenario) =>
    FORMATS.map((format) => () => runScenario(scenario, format, base, tarballs, work)),
  );
  const results = await pool(jobs, CONCURRENCY);
  if (browser) await (await browser).close();

  process.stdout.write('\n');
  for (const r of results.sort((x, y) =>
    `${x.scenario.id}${x.format}`.localeCompare(`${y.scenario.id}${y.format}`),
  ))
    process.stdout.write(
      `${r.ok ? 'pass' : 'FAIL'}  (${r.scenario.id}) ${r.format.padEnd(3)} ${r.scenario.title} — ${r.ok ? r.detail : `${r.error.step}: ${r.error.message.split('\n')[0]}`} [${r.seconds.toFixed(1)} s]\n`,
    );
  for (const r of results.filter((r) => !r.ok))
    failures.push({
      what: `scenario (${r.scenario.id}) ${r.format}, ${r.scenario.title}: ${r.error.step} failed`,
      lines: [
        r.error.message,
        ...(r.error.output
          ? [`output:\n${r.error.output.trim().split('\n').slice(-40).join('\n')}`]
          : []),
        ...(r.log ? [`app log:\n${r.log.trim().split('\n').slice(-60).join('\n')}`] : []),
      ],
    });

  if (KEEP) process.stdout.write(`kept ${work}\n`);
  else {
    t = Date.now();
    await Promise.all(removals);
    rmSync(work, { recursive: true, force: true });
    progress('packages', `removed ${work}`, t);
  }
  if (failures.length) {
    for (const { what, lines } of failures)
      process.stderr.write(
        `\n--- ${what}\n${lines.map((line) => `  ${line.replace(/\n/g, '\n  ')}`).join('\n')}\n`,
      );
    process.stderr.write(
      `\ntest:packages FAILED (${failures.length} problem group(s)) in ${seconds(started)} s\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`test:packages passed in ${seconds(started)} s\n`);
}

await main();
