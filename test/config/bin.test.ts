import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..', '..');

/** Runs the CDK entry point the way the CLI does, with `context` as the CLI would pass it. */
function runApp(context: Record<string, unknown>) {
  return spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'bin', 'bulwark.ts')], {
    cwd: ROOT,
    env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: path.join(ROOT, 'cdk.out', 'bin-test') },
    encoding: 'utf8',
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
