// The dependency audit of issue 8 (item 10): `npm audit --omit=dev`, failing on high or critical
// advisories with the packages named. When npm's audit endpoint cannot be reached (this
// project's registry answers 405), it says so plainly; CI then decides with --require-audit
// (exit 2) or without (a loud warning, exit 0). See docs/decisions/0017-dependency-audit.md.
//
//   node scripts/audit.mjs [--require-audit] [--report=<npm audit --json output>]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const FAILING = new Set(['high', 'critical']);
const requireAudit = process.argv.includes('--require-audit');
const root = new URL('..', import.meta.url).pathname;

// --report reads a saved `npm audit --json` output instead (to check this script itself).
const saved = process.argv.find((arg) => arg.startsWith('--report='))?.slice('--report='.length);
const run = saved
  ? { stdout: readFileSync(saved, 'utf8'), stderr: '' }
  : spawnSync('npm', ['audit', '--omit=dev', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  report = undefined;
}

if (!report?.vulnerabilities) {
  const why =
    report?.message ?? run.error?.message ?? (run.stderr.trim().split('\n').pop() || 'no answer');
  const status = report?.statusCode ? ` (HTTP ${report.statusCode})` : '';
  console.error(
    `✘ The dependency audit could not run: npm's audit endpoint did not answer${status}: ${why}\n` +
      `  No package was checked. The registry (${registry()}) serves packages here but not advisories\n` +
      '  (a mirror or proxy in between answers the audit request).\n' +
      '  Run it where registry.npmjs.org answers audits, or point npm at a registry that does (npm config set registry …).',
  );
  process.exit(requireAudit ? 2 : 0);
}

const findings = Object.values(report.vulnerabilities).filter((v) => FAILING.has(v.severity));
const counts = report.metadata?.vulnerabilities ?? {};
const summary = ['critical', 'high', 'moderate', 'low']
  .map((level) => `${counts[level] ?? 0} ${level}`)
  .join(', ');
if (findings.length === 0) {
  console.log(`✔ npm audit --omit=dev: no high or critical advisories (${summary}).`);
  process.exit(0);
}
console.error(
  `✘ npm audit --omit=dev: ${findings.length} packages with high or critical advisories (${summary}):`,
);
for (const finding of findings.sort((a, b) => a.name.localeCompare(b.name))) {
  const advisories = finding.via
    .filter((via) => typeof via === 'object')
    .map((via) => `${via.title} (${via.url})`);
  const through = finding.via.filter((via) => typeof via === 'string');
  console.error(
    `  ${finding.name} ${finding.range}: ${finding.severity}` +
      (advisories.length ? ` — ${advisories.join('; ')}` : '') +
      (through.length ? ` — through ${through.join(', ')}` : '') +
      (finding.fixAvailable ? ' — a fix is available (npm audit fix)' : ''),
  );
}
process.exit(1);

function registry() {
  const config = spawnSync('npm', ['config', 'get', 'registry'], { cwd: root, encoding: 'utf8' });
  return config.stdout.trim() || 'unknown';
}
