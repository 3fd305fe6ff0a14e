/**
 * DAST against a deployed stage (docs/security.md, "Attacking the API on a schedule"):
 *   1. the OWASP probes of scripts/dast/checks.ts (headers, TLS policy, :80 redirect, CORS,
 *      error leakage), read-only;
 *   2. schemathesis against the stage's /openapi.json (every check, examples, coverage and
 *      fuzzing phases), throttled to `--rate-limit` so the run stays under the WAF's and
 *      the app's per-IP limits and never pages anyone.
 * The fuzzer registers throwaway users and creates notes as them (and erases them again):
 * run it against a stage whose data may hold test users, never against one that may not.
 *
 * Usage: npx tsx scripts/dast.ts BASE_URL [--out DIR] [--rate-limit 10/s] [--max-examples 20]
 * Writes DIR/dast-report.json and DIR/schemathesis-junit.xml; exits 1 on any finding.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { type CheckResult, runHttpChecks } from './dast/checks';

const ROOT = path.join(__dirname, '..');
const SCHEMATHESIS = path.join(ROOT, '.venv', 'bin', 'st');
const SETTINGS = path.join(ROOT, 'test', 'app', 'schemathesis');

export interface DastOptions {
  readonly baseUrl: URL;
  readonly outDir: string;
  /** schemathesis's throttle, `<n>/<s|m|h>`. */
  readonly rateLimit: string;
  readonly maxExamples: number;
}

export function parseDastArgs(argv: readonly string[]): DastOptions {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { out: { type: 'string', default: 'dast-report' }, 'rate-limit': { type: 'string', default: '10/s' }, 'max-examples': { type: 'string', default: '20' } },
  });
  if (positionals.length !== 1) throw new Error('usage: dast.ts BASE_URL [--out DIR] [--rate-limit 10/s] [--max-examples 20]');
  let baseUrl: URL;
  try {
    baseUrl = new URL(positionals[0]);
  } catch {
    throw new Error(`BASE_URL must be an absolute http(s) URL (got "${positionals[0]}")`);
  }
  if (!['http:', 'https:'].includes(baseUrl.protocol)) throw new Error(`BASE_URL must be http(s) (got "${baseUrl.protocol}")`);
  const rateLimit = values['rate-limit']!;
  if (!/^\d+\/[smh]$/.test(rateLimit)) throw new Error(`--rate-limit must look like 10/s, 300/m or 5000/h (got "${rateLimit}")`);
  const maxExamples = Number(values['max-examples']);
  if (!Number.isInteger(maxExamples) || maxExamples < 1 || maxExamples > 1000) throw new Error(`--max-examples must be an integer between 1 and 1000 (got "${values['max-examples']}")`);
  return { baseUrl, outDir: path.resolve(values.out!), rateLimit, maxExamples };
}

function runSchemathesis(options: DastOptions): Promise<CheckResult> {
  const base = options.baseUrl.href.replace(/\/$/, '');
  const args = [
    '--config-file', path.join(SETTINGS, 'schemathesis.toml'),
    'run', `${base}/openapi.json`,
    '--checks', 'all',
    '--phases', 'examples,coverage,fuzzing',
    '--max-examples', String(options.maxExamples),
    '--rate-limit', options.rateLimit,
    '--workers', '1',
    '--report', 'junit', '--report-junit-path', path.join(options.outDir, 'schemathesis-junit.xml'),
    '--no-color',
  ];
  const env = { ...process.env, BULWARK_BASE_URL: base, PYTHONPATH: SETTINGS, SCHEMATHESIS_HOOKS: 'bulwark_hooks', PYTHONDONTWRITEBYTECODE: '1' };
  const workDir = mkdtempSync(path.join(tmpdir(), 'bulwark-dast-'));
  return new Promise<CheckResult>((resolve, reject) => {
    const child = spawn(SCHEMATHESIS, args, { env, cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      writeFileSync(path.join(options.outDir, 'schemathesis.log'), output);
      if (process.env.DAST_VERBOSE) console.log(output);
      // schemathesis exits 0 only when every check passed on every operation it reached.
      const passed = code === 0;
      resolve({ name: 'schemathesis (OpenAPI contract fuzz)', status: passed ? 'passed' : 'failed', findings: passed ? [] : [`exit ${code}; see schemathesis.log`] });
    });
  }).finally(() => rmSync(workDir, { recursive: true, force: true }));
}

export async function runDast(options: DastOptions): Promise<{ readonly passed: boolean; readonly results: readonly CheckResult[] }> {
  if (!existsSync(SCHEMATHESIS)) throw new Error('schemathesis is not installed: run `bash scripts/setup-python.sh`');
  mkdirSync(options.outDir, { recursive: true });
  const results = [...(await runHttpChecks(options.baseUrl)), await runSchemathesis(options)];
  const passed = results.every((r) => r.status !== 'failed');
  const report = { target: options.baseUrl.href, finishedAt: new Date().toISOString(), rateLimit: options.rateLimit, passed, results };
  writeFileSync(path.join(options.outDir, 'dast-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { passed, results };
}

if (require.main === module) {
  runDast(parseDastArgs(process.argv.slice(2)))
    .then(({ passed, results }) => {
      for (const r of results) console.log(`${r.status.padEnd(7)} ${r.name}${r.findings.length ? `: ${r.findings.join('; ')}` : ''}`);
      process.exitCode = passed ? 0 : 1;
    })
    .catch((error: Error) => {
      console.error(error.message);
      process.exitCode = 2;
    });
}
