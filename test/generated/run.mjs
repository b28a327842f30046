// npm run test:generated: a Lattice app as a stranger makes one, from the packed tarballs, in a
// temporary folder outside the repository. Two scenarios share one install:
//
// 1. generation: `npx @lattice/cli new shop`, then `lattice make:resource question`, and
//    `make:component`, `state`, `job`, `listener`, `event` and `policy` into it; `npm install`,
//    then the app's own `npm run build`, `npm run lint` and `CI=true npm test` (its generated
//    unit, end-to-end and Chromium tests), `npx lattice --help` (the commands of exactly the
//    libraries in its package.json), then the built app started (`npm run start:prod`) and its
//    live /questions list checked in Chromium: a question saved in one tab appears in the other.
// 2. guide: docs/guide/getting-started.md run as written. Its ```sh blocks run in order with
//    bash (a `cd` carries over to the next block); a ```ts block after `<!-- file: path -->` is
//    written to that path; the ```sh block after `<!-- server: url -->` is started in the
//    background, and the url's page is opened in two Chromium tabs: a click on the page's button
//    in one must change the `output` of the other.
//
// What the test changes in the guide's commands, and only this: the packages come from the
// tarballs instead of the registry. `npx @lattice/cli <args>` becomes `npx -p <cli tarball>
// -p <tarball of each @lattice peer> lattice <args>`, and `lattice new` gets `--skip-install`
// (its own npm install would ask a registry for @lattice/*): the harness installs instead, as
// for `npm install`. `-p @lattice/schematics` becomes `-p <its tarball>`; before
// `npm install` every `@lattice/*` range in package.json becomes `file:<tarball>` (and the first
// scenario's node_modules is hard-linked in, so npm only reconciles); `localhost:3000` becomes a
// free port (PORT). Everything runs with CI=true. npm runs with --prefer-offline (the npm cache
// has the third-party packages) and cannot fetch any @lattice/* from a registry.
// better-sqlite3 compiles from source here (no prebuilt download): its compiled addon is taken
// from the repository's node_modules when the versions match, as test:packages does.
//
//   node test/generated/run.mjs [--no-build] [--only generation,guide] [--keep]
//
// --no-build packs the libs/*/dist and schematics/dist that `npm run build` made (CI).
import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { LIBRARIES, root } from '../../scripts/lib-packages.mjs';
import { collectConsoleErrors, launchBrowser } from '../support/browser.ts';

const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const BUILD = !args.includes('--no-build');
const KEEP = args.includes('--keep');
const ONLY = option('--only')?.split(',') ?? ['generation', 'guide'];
const GUIDE = join(root, 'docs', 'guide', 'getting-started.md');

// ---------------------------------------------------------------------------------------------
// Progress and processes

const started = Date.now();
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);
const timings = [];
function progress(label, step, since) {
  if (since) timings.push({ label, step, seconds: Number(seconds(since)) });
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

// No @lattice/* from any registry: only the tarballs (a missing one fails the install).
const ENV = {
  ...process.env,
  CI: 'true',
  'npm_config_@lattice:registry': 'http://127.0.0.1:9/',
  npm_config_fetch_retries: '0',
  npm_config_update_notifier: 'false',
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_loglevel: 'error',
};

/** Runs a command to its end; rejects with its output when it fails. */
function run(step, command, commandArgs, { cwd, env = ENV, timeoutMs = 300_000 } = {}) {
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
            `${command} ${commandArgs.join(' ').slice(0, 300)} ${signal ? `was killed (${signal})` : `exited with ${code}`}`,
            output,
          ),
        );
    });
  });
}

const sh = (step, script, cwd) => run(step, 'bash', ['-euo', 'pipefail', '-c', script], { cwd });

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

/** Starts a long-running command in its own process group; resolves once `url` answers. */
async function startServer(command, cwd, port, url) {
  const child = spawn('bash', ['-c', command], {
    cwd,
    env: { ...ENV, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const server = { log: '', exited: undefined };
  child.stdout.on('data', (chunk) => (server.log += chunk));
  child.stderr.on('data', (chunk) => (server.log += chunk));
  const exit = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve((server.exited = signal ?? code))),
  );
  server.stop = async () => {
    if (server.exited !== undefined) return;
    process.kill(-child.pid, 'SIGTERM');
    const stopped = await Promise.race([exit, new Promise((r) => setTimeout(r, 10_000, 'late'))]);
    if (stopped === 'late') process.kill(-child.pid, 'SIGKILL');
  };
  const until = Date.now() + 90_000;
  while (Date.now() < until) {
    if (server.exited !== undefined)
      throw new StepError(
        'start',
        `${command} exited (${server.exited}) before answering`,
        server.log,
      );
    try {
      if ((await fetch(url)).status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // until the port answers
  }
  await server.stop();
  throw new StepError('start', `${url} did not answer 200 within 90 s`, server.log);
}

// ---------------------------------------------------------------------------------------------
// Tarballs and installs

/** Every library and the schematics, packed as `npm publish` would (npm pack). */
async function pack(work) {
  const dir = join(work, 'tarballs');
  mkdirSync(dir);
  const packed = JSON.parse(
    await run(
      'pack',
      'npm',
      [
        'pack',
        '--json',
        '--pack-destination',
        dir,
        ...LIBRARIES.map((lib) => join(root, 'libs', lib, 'dist')),
        join(root, 'schematics', 'dist'),
      ],
      { cwd: root },
    ),
  );
  return new Map(packed.map(({ name, filename }) => [name, join(dir, filename)]));
}

/** package.json's @lattice/* ranges → the tarballs; a stranger's npm takes them from the registry. */
function useTarballs(app, tarballs) {
  const file = join(app, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8'));
  for (const field of ['dependencies', 'devDependencies'])
    for (const name of Object.keys(manifest[field] ?? {}))
      if (name.startsWith('@lattice/')) {
        if (!tarballs.has(name)) throw new StepError('install', `no tarball for ${name}`);
        manifest[field][name] = `file:${tarballs.get(name)}`;
      }
  // npm 11 runs install scripts only when allowScripts names the package; the SQLite addon is
  // copied instead (below), and the others (swc's postinstall check, watchers) are not needed.
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

const SQLITE_ADDON = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';

/** better-sqlite3 without compiling it: the repository's addon when the versions match. */
async function provideSqliteAddon(app) {
  const installed = join(app, 'node_modules/better-sqlite3/package.json');
  if (!existsSync(installed) || existsSync(join(app, SQLITE_ADDON))) return 'present';
  const same =
    existsSync(join(root, SQLITE_ADDON)) &&
    JSON.parse(readFileSync(installed, 'utf8')).version ===
      JSON.parse(readFileSync(join(root, 'node_modules/better-sqlite3/package.json'), 'utf8'))
        .version;
  if (same) {
    mkdirSync(dirname(join(app, SQLITE_ADDON)), { recursive: true });
    cpSync(join(root, SQLITE_ADDON), join(app, SQLITE_ADDON));
    return "the repository's";
  }
  await run('install', 'npm', ['rebuild', 'better-sqlite3', '--foreground-scripts'], { cwd: app });
  return 'compiled';
}

async function npmInstall(app, tarballs) {
  useTarballs(app, tarballs);
  await run('install', 'npm', ['install', '--ignore-scripts'], { cwd: app }).catch((error) => {
    const wanted = error.output?.match(/127\.0\.0\.1:9\/@lattice%2f([\w-]+)/)?.[1];
    if (wanted)
      error.message = `npm wanted @lattice/${wanted} from a registry: no tarball installs it`;
    throw error;
  });
  return provideSqliteAddon(app);
}

// ---------------------------------------------------------------------------------------------
// Chromium

let browser;

/** Opens `url` in two tabs; clicks `button` in the first until `output` in the second follows. */
async function twoTabs(url, { button, output }) {
  browser ??= launchBrowser();
  const context = await (await browser).newContext();
  try {
    const [first, second] = [await context.newPage(), await context.newPage()];
    const errors = [...collectConsoleErrors(first), ...collectConsoleErrors(second)];
    for (const page of [first, second]) {
      await page.goto(url);
      await page.waitForSelector('html.l-connected', { timeout: 20_000 });
    }
    const before = Number(await second.locator(output).textContent());
    await first.getByRole('button', { name: button }).click();
    await second.locator(output, { hasText: String(before + 1) }).waitFor({ timeout: 15_000 });
    await first.locator(output, { hasText: String(before + 1) }).waitFor({ timeout: 15_000 });
    if (errors.length)
      throw new StepError('chromium', `the pages logged errors: ${errors.join('; ')}`);
    return `a click in one tab changed ${output} in the other (${before} → ${before + 1})`;
  } finally {
    await context.close();
  }
}

/** The generated resource's pages: a question saved in one tab shows in the live list of another. */
async function questionsInTwoTabs(base) {
  browser ??= launchBrowser();
  const context = await (await browser).newContext();
  try {
    const [list, form] = [await context.newPage(), await context.newPage()];
    const errors = [...collectConsoleErrors(list), ...collectConsoleErrors(form)];
    await list.goto(`${base}/questions`);
    await list.waitForSelector('html.l-connected', { timeout: 20_000 });
    await list.getByText('No questions yet.').waitFor();
    await form.goto(`${base}/questions/new`);
    await form.waitForSelector('html.l-connected', { timeout: 20_000 });
    await form.fill('input[name="title"]', 'Asked in another tab');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved.').waitFor();
    await list.getByRole('link', { name: 'Asked in another tab' }).waitFor({ timeout: 15_000 });
    if (errors.length)
      throw new StepError('chromium', `the pages logged errors: ${errors.join('; ')}`);
    return '/questions showed a question saved in the /questions/new tab';
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Scenario 1: every schematic into a new app

/**
 * `npx @lattice/cli …` from the tarballs: npm installs a package's peers with it, and would
 * fetch the @lattice/* ones (core, schematics) from the registry, so they are named as tarballs
 * too (`-p`); the other peers (@nestjs/*) come from the npm cache. The same list each time, so
 * npx installs once per run and reuses that install.
 */
function latticeNpx(tarballs) {
  const cli = tarballs.get('@lattice/cli');
  const manifest = JSON.parse(
    readFileSync(join(root, 'libs', 'cli', 'dist', 'package.json'), 'utf8'),
  );
  const peers = Object.keys(manifest.peerDependencies ?? {}).filter((name) =>
    name.startsWith('@lattice/'),
  );
  return ['-y', '-p', cli, ...peers.flatMap((name) => ['-p', tarballs.get(name)]), 'lattice'];
}

/** `lattice new` prints `Created <name> in <folder>. Next:`: the folder it wrote. */
function createdFolder(output, cwd) {
  const folder = output.match(/^Created \S+ in (.+)\. Next:$/m)?.[1];
  if (!folder) throw new StepError('new', 'lattice new did not say where it wrote the app', output);
  return join(cwd, folder);
}

/**
 * The commands each library adds to `lattice` (docs/guide/cli.md): `lattice --help` in an app
 * lists those of the libraries in its package.json, and none of the others.
 */
const LIBRARY_COMMANDS = {
  '@lattice/database': [
    'db:migrate',
    'db:migrate:status',
    'db:migrate:revert',
    'db:migrate:generate',
    'db:seed',
  ],
  '@lattice/queue': ['queue:work', 'queue:list', 'queue:failed', 'queue:retry', 'queue:clear'],
  '@lattice/security': ['audit:verify', 'security:reencrypt'],
};

/** `npx --no -- lattice --help` in the app: exactly its libraries' commands, and no notes. */
async function helpListsInstalledLibraries(app) {
  const help = await run('help', 'npx', ['--no', '--', 'lattice', '--help'], { cwd: app });
  const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
  const installed = new Set(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }));
  const listed = (command) =>
    help.split('\n').some((line) => new RegExp(`^\\s+${command}(\\s|\\||$)`).test(line));
  const wrong = [];
  for (const [library, commands] of Object.entries(LIBRARY_COMMANDS))
    for (const command of commands)
      if (listed(command) !== installed.has(library))
        wrong.push(
          `${command} ${installed.has(library) ? 'missing' : 'listed'} (${library} ${installed.has(library) ? 'installed' : 'not installed'})`,
        );
  // Every library group in help is one of the app's (a library not in LIBRARY_COMMANDS too).
  for (const [, library] of help.matchAll(/^(@lattice\/[\w-]+):$/gm))
    if (!installed.has(library)) wrong.push(`a ${library} group (not in package.json)`);
  // The generators too (the schematics are a devDependency of every new app).
  for (const command of ['make:page', 'make:resource'])
    if (!listed(command)) wrong.push(`${command} missing`);
  const notes = help.split('\n').filter((line) => line.startsWith('Note:'));
  if (wrong.length || notes.length)
    throw new StepError('help', `lattice --help: ${[...wrong, ...notes].join('; ')}`, help);
  const [present, absent] = [true, false].map((wanted) =>
    Object.keys(LIBRARY_COMMANDS).filter((library) => installed.has(library) === wanted),
  );
  return `lattice --help lists the commands of ${present.join(', ') || 'no library'}${absent.length ? `, not those of ${absent.join(', ')}` : ''}`;
}

const GENERATE = [
  ['resource', 'question'],
  ['component', 'questions/leaderboard'],
  ['state', 'questions/votes'],
  ['job', 'questions/send-digest'],
  ['listener', 'questions/question-asked'],
  ['event', 'questions/question-answered'],
  ['policy', 'questions/question'],
];

async function generation(work, tarballs) {
  const label = 'generation';
  const app = join(work, 'shop');
  const t0 = Date.now();
  let t = Date.now();
  // As `npx @lattice/cli new shop` would, but without its npm install (no registry has the
  // @lattice/* packages): the tarballs go in first, then npm install.
  const created = await run(
    'new',
    'npx',
    [...latticeNpx(tarballs), 'new', 'shop', '--skip-install'],
    {
      cwd: work,
    },
  );
  if (createdFolder(created, work) !== app)
    throw new StepError('new', `lattice new did not write ${app}`, created);
  progress(label, 'npx @lattice/cli new shop --skip-install', t);
  // Before the install, with the lattice npx just installed: the same program, without npx
  // checking its install again for each generator (seconds on a busy box).
  const lattice = join(npxEntries(work)[0] ?? '', 'node_modules/@lattice/cli/bin/lattice.js');
  for (const [schematic, name] of GENERATE) {
    t = Date.now();
    await run(
      'generate',
      ...(existsSync(lattice)
        ? [process.execPath, [lattice, `make:${schematic}`, name]]
        : ['npx', [...latticeNpx(tarballs), `make:${schematic}`, name]]),
      { cwd: app },
    );
    progress(label, `lattice make:${schematic} ${name}`, t);
  }
  t = Date.now();
  const addon = await npmInstall(app, tarballs);
  progress(label, `npm install (tarballs; better-sqlite3 addon: ${addon})`, t);
  for (const [step, script] of [
    ['build', 'npm run build'],
    ['lint', 'npm run lint'],
    ['test', 'npm test'],
  ]) {
    t = Date.now();
    const output = await sh(step, script, app);
    const summary = output.match(/Tests:\s+(.*)/)?.[1];
    progress(label, `${script}${summary ? `: ${summary}` : ''}`, t);
  }
  t = Date.now();
  progress(label, await helpListsInstalledLibraries(app), t);
  t = Date.now();
  const port = await freePort();
  const server = await startServer('npm run start:prod', app, port, `http://127.0.0.1:${port}/`);
  try {
    progress(label, 'npm run start:prod', t);
    t = Date.now();
    progress(label, `Chromium: ${await questionsInTwoTabs(`http://127.0.0.1:${port}`)}`, t);
  } catch (error) {
    error.output ||= server.log;
    throw error;
  } finally {
    await server.stop();
  }
  progress(label, 'new app to passing tests and a live page', t0);
  return app;
}

// ---------------------------------------------------------------------------------------------
// Scenario 2: the getting-started guide, as written

/** The guide's steps: ```sh blocks, files (`<!-- file: … -->` + a code block) and the server. */
export function guideSteps(markdown) {
  const steps = [];
  const pattern = /(?:<!--\s*(file|server):\s*(\S+)\s*-->\s*\n\s*\n?)?```(\w+)\n([\s\S]*?)```/g;
  for (const [, marker, value, language, body] of markdown.matchAll(pattern)) {
    if (marker === 'file') steps.push({ kind: 'file', path: value, body });
    else if (marker === 'server' && language === 'sh')
      steps.push({ kind: 'server', url: value, command: body.trim() });
    else if (language === 'sh') steps.push({ kind: 'sh', script: body });
  }
  return steps;
}

async function guide(work, tarballs, installed) {
  const label = 'guide';
  const steps = guideSteps(readFileSync(GUIDE, 'utf8'));
  if (!steps.some((s) => s.kind === 'server'))
    throw new StepError(
      'guide',
      'the guide has no <!-- server: url --> block to check in Chromium',
    );
  const folder = join(work, 'guide');
  mkdirSync(folder);
  let cwd = folder;
  // The first scenario's packages, hard-linked: npm then only reconciles the tree.
  const install = async (app) => {
    if (installed && !existsSync(join(app, 'node_modules')))
      await run('install', 'cp', [
        '-al',
        join(installed, 'node_modules'),
        join(app, 'node_modules'),
      ]);
    return npmInstall(app, tarballs);
  };
  const t0 = Date.now();
  for (const step of steps) {
    const t = Date.now();
    if (step.kind === 'file') {
      mkdirSync(dirname(join(cwd, step.path)), { recursive: true });
      writeFileSync(join(cwd, step.path), step.body);
      progress(label, `wrote ${step.path}`, t);
    } else if (step.kind === 'sh') {
      for (const line of step.script
        .replace(/\\\n\s*/g, '')
        .split('\n')
        .filter(Boolean)) {
        const t1 = Date.now();
        if (/^npm install$/.test(line.trim())) {
          const addon = await install(cwd);
          progress(label, `npm install (tarballs; better-sqlite3 addon: ${addon})`, t1);
          continue;
        }
        // `npx @lattice/cli <args>`: the cli and its @lattice peers from the tarballs; `new`
        // without its own npm install, which the harness does with the tarballs instead.
        const cli = line.match(/^\s*npx\s+(?:-y\s+|--yes\s+)?@lattice\/cli\s+(.*)$/);
        if (cli) {
          const creates = /^new\s/.test(cli[1]);
          const output = await run(
            'guide',
            'npx',
            [
              ...latticeNpx(tarballs),
              ...cli[1].trim().split(/\s+/),
              ...(creates ? ['--skip-install'] : []),
            ],
            { cwd },
          );
          if (creates) {
            const addon = await install(createdFolder(output, cwd));
            progress(
              label,
              `${line.trim()} (--skip-install, then npm install from the tarballs; better-sqlite3 addon: ${addon})`,
              t1,
            );
          } else progress(label, line.trim(), t1);
          continue;
        }
        const command = line.replace(
          /-p @lattice\/schematics\b/,
          `-p ${tarballs.get('@lattice/schematics')}`,
        );
        const output = await sh('guide', `${command}\npwd`, cwd);
        cwd = output.trim().split('\n').pop();
        const summary = output.match(/Tests:\s+(.*)/)?.[1];
        progress(label, `${line.trim().slice(0, 70)}${summary ? `: ${summary}` : ''}`, t1);
      }
    } else {
      const port = await freePort();
      const url = step.url.replace('localhost:3000', `127.0.0.1:${port}`);
      const server = await startServer(step.command, cwd, port, url);
      try {
        progress(label, `${step.command}: ${url} answers`, t);
        const t1 = Date.now();
        const checked = await twoTabs(url, { button: /./, output: 'output' });
        progress(label, `Chromium: ${checked}`, t1);
      } catch (error) {
        error.output ||= server.log;
        throw error;
      } finally {
        await server.stop();
      }
    }
  }
  // After `npm start` built dist/cli.module.js; the guide's app has no @lattice/security.
  const t = Date.now();
  progress(label, await helpListsInstalledLibraries(cwd), t);
  progress(label, 'the guide, as written, ends with a page two tabs share', t0);
}

/**
 * npx keeps an install per list of packages, and the schematics tarball's path is new each run:
 * the entries this run made (those naming `work`) are removed with it.
 */
function npxEntries(work) {
  const npx = join(process.env.npm_config_cache ?? join(homedir(), '.npm'), '_npx');
  if (!existsSync(npx)) return [];
  return readdirSync(npx)
    .map((entry) => join(npx, entry))
    .filter((entry) => {
      const manifest = join(entry, 'package.json');
      return existsSync(manifest) && readFileSync(manifest, 'utf8').includes(work);
    });
}

async function removeNpxEntries(work) {
  const ours = npxEntries(work);
  await Promise.all(ours.map((entry) => rm(entry, { recursive: true, force: true })));
  return ours.length;
}

// ---------------------------------------------------------------------------------------------
// The run

async function main() {
  let t = Date.now();
  if (BUILD) {
    await run('build', 'npm', ['run', 'build:libs'], { cwd: root });
    await run('build', 'npm', ['run', 'build:schematics'], { cwd: root });
    progress('generated', 'built libs/*/dist and schematics/dist', t);
  }
  for (const dist of [...LIBRARIES.map((lib) => join('libs', lib, 'dist')), 'schematics/dist'])
    if (!existsSync(join(root, dist, 'package.json')))
      throw new Error(`${dist} is not built: run npm run build, or drop --no-build.`);
  const work = mkdtempSync(join(tmpdir(), 'lattice-generated-'));
  progress('generated', `working in ${work}`);
  t = Date.now();
  const tarballs = await pack(work);
  progress('generated', `packed ${tarballs.size} tarballs`, t);

  let failed;
  try {
    const installed = ONLY.includes('generation') ? await generation(work, tarballs) : undefined;
    if (ONLY.includes('guide')) await guide(work, tarballs, installed);
  } catch (error) {
    failed =
      error instanceof StepError ? error : new StepError('harness', error.stack ?? String(error));
  } finally {
    if (browser) await (await browser).close();
  }
  progress('generated', 'scenarios done');

  process.stdout.write('\nstep times (s):\n');
  for (const { label, step, seconds: s } of timings)
    process.stdout.write(`  ${String(s).padStart(6)}  ${label.padEnd(10)} ${step}\n`);
  if (KEEP) process.stdout.write(`kept ${work}\n`);
  else {
    const t1 = Date.now();
    // Thousands of files: the promise API spreads them over libuv's threads.
    const [, entries] = await Promise.all([
      rm(work, { recursive: true, force: true }),
      removeNpxEntries(work),
    ]);
    progress('generated', `removed ${work} and its ${entries} npx cache entries`, t1);
  }
  if (failed) {
    process.stderr.write(
      `\ntest:generated FAILED at ${failed.step}: ${failed.message}\n${
        failed.output ? `output:\n${failed.output.trim().split('\n').slice(-60).join('\n')}\n` : ''
      }`,
    );
    process.exit(1);
  }
  process.stdout.write(`test:generated passed in ${seconds(started)} s\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
