import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './workflows';

const scratch = mkdtempSync(join(tmpdir(), 'workflow-audit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the gate (zizmor from .venv, offline) over the checkout at `root`, default this one. */
function audit(root?: string) {
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'audit-workflows.sh'), ...(root ? [root] : [])], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** A checkout holding a copy of .github whose deploy.yml is rewritten by `edit`. */
function tamperedCopy(name: string, edit: (deployYml: string) => string): string {
  const root = join(scratch, name);
  cpSync(join(REPO_ROOT, '.github'), join(root, '.github'), { recursive: true });
  const file = join(root, '.github', 'workflows', 'deploy.yml');
  const edited = edit(readFileSync(file, 'utf8'));
  expect(edited).not.toBe(readFileSync(file, 'utf8'));
  writeFileSync(file, edited);
  return root;
}

describe('scripts/audit-workflows.sh (zizmor, offline)', () => {
  it('passes the workflows and Dependabot config as committed', () => {
    const { status, output } = audit();
    expect(output).toContain('No findings to report');
    expect(status).toBe(0);
  });

  it('fails an action referenced by a moving tag', () => {
    const dir = tamperedCopy('unpinned', (text) => text.replace(/actions\/checkout@[0-9a-f]{40} # \S+/, 'actions/checkout@v7'));
    const { status, output } = audit(dir);
    expect(output).toContain('unpinned-uses');
    expect(status).not.toBe(0);
  });

  it('fails a checkout that keeps the token in the workspace', () => {
    const dir = tamperedCopy('persisted', (text) => text.replace('        with:\n          persist-credentials: false\n', ''));
    const { status, output } = audit(dir);
    expect(output).toContain('artipacked');
    expect(status).not.toBe(0);
  });

  it('fails a workflow it cannot parse instead of skipping it', () => {
    const dir = tamperedCopy('broken', (text) => `${text}\n  broken: [\n`);
    expect(audit(dir).status).not.toBe(0);
  });
});
