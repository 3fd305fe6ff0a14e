import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STAGES, type StageConfig } from '../../lib/config';

const ROOT = path.join(__dirname, '..', '..');
const ENTRY = [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'bin', 'bulwark.ts')];
const TIERS = ['BackupRegion', 'Network', 'Data', 'Service', 'Monitoring'];

/** The environment the CDK CLI gives the app: its context and the assembly directory. */
const cliEnvironment = (context: Record<string, unknown>, outdir: string) => ({ ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir });

/** Runs the CDK entry point the way the CLI does, with `context` as the CLI would pass it. */
function runApp(context: Record<string, unknown>) {
  return spawnSync(process.execPath, ENTRY, { cwd: ROOT, env: cliEnvironment(context, path.join(ROOT, 'cdk.out', 'bin-test')), encoding: 'utf8' });
}

/** The same, asynchronously (two stages synthesize side by side), into `outdir`. */
function synthesize(context: Record<string, unknown>, outdir: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ENTRY, { cwd: ROOT, env: cliEnvironment(context, outdir), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('bin/bulwark.ts', () => {
  it('refuses an unknown stage before building anything, naming the known ones', () => {
    const result = runApp({ stage: 'staging' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('Unknown stage "staging" (-c stage=...): known stages are dev, prod');
    expect(result.stderr).not.toContain('Bundling asset');
  });
});

// The normal path: what `cdk synth` and `cdk synth -c stage=prod` get from the entry point.
describe.each([
  { selection: 'no stage (the default)', context: {}, config: STAGES.dev },
  { selection: '-c stage=prod', context: { stage: 'prod' }, config: STAGES.prod },
])('bin/bulwark.ts with $selection', ({ context, config }: { context: Record<string, unknown>; config: StageConfig }) => {
  const outdir = mkdtempSync(path.join(tmpdir(), `bulwark-bin-${config.stage}-`));
  let run: { status: number | null; output: string };
  const assemblyFiles = () => readdirSync(outdir);
  const template = (tier: string) => JSON.parse(readFileSync(path.join(outdir, `${config.prefix}-${config.stage}-${tier}.template.json`), 'utf8'));

  beforeAll(async () => {
    run = await synthesize(context, outdir);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('synthesizes', () => {
    expect(run.status, run.output).toBe(0);
  });

  it('builds the stacks of the selected stage only', () => {
    const manifest = JSON.parse(readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const stacks = Object.entries(manifest.artifacts as Record<string, { type: string }>)
      .filter(([, artifact]) => artifact.type === 'aws:cloudformation:stack')
      .map(([name]) => name);
    const expected = [...TIERS, ...(config.ci ? ['CiDeploy'] : [])].map((tier) => `${config.prefix}-${config.stage}-${tier}`);
    expect(stacks.sort()).toEqual(expected.sort());
  });

  it('tags every stack and its resources with the stage\'s tags', () => {
    for (const tier of TIERS) {
      const metadata = readFileSync(path.join(outdir, `${config.prefix}-${config.stage}-${tier}.metadata.json`), 'utf8');
      const stackTags = JSON.parse(metadata)[`/${config.prefix}-${config.stage}-${tier}`].find((entry: { type: string }) => entry.type === 'aws:cdk:stack-tags').data;
      expect(stackTags, tier).toEqual(expect.arrayContaining(Object.entries(config.tags).map(([key, value]) => ({ key, value }))));
    }
    const vpc = Object.values(template('Network').Resources as Record<string, { Type: string; Properties: { Tags: unknown[] } }>).find((r) => r.Type === 'AWS::EC2::VPC')!;
    for (const [Key, Value] of Object.entries(config.tags)) expect(vpc.Properties.Tags).toContainEqual({ Key, Value });
  });

  it('runs cdk-nag AwsSolutions over every stack with no unsuppressed finding', () => {
    const reports = assemblyFiles().filter((file) => /^AwsSolutions-.*-NagReport\.csv$/.test(file));
    expect(reports.length).toBe(TIERS.length + (config.ci ? 1 : 0));
    for (const report of reports) {
      const rows = readFileSync(path.join(outdir, report), 'utf8').trim().split('\n').slice(1);
      // The pack ran (rules reported compliant), and nothing it found is left unsuppressed.
      expect(rows.some((row) => row.includes('"Compliant"')), report).toBe(true);
      expect(rows.filter((row) => row.includes('"Non-Compliant"')), report).toEqual([]);
    }
    const errors = assemblyFiles()
      .filter((file) => file.endsWith('.metadata.json'))
      .flatMap((file) => Object.values(JSON.parse(readFileSync(path.join(outdir, file), 'utf8')) as Record<string, Array<{ type: string; data: unknown }>>).flat())
      .filter((entry) => entry.type === 'aws:cdk:error');
    expect(errors).toEqual([]);
  });
});
