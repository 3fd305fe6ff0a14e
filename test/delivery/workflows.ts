import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = join(__dirname, '..', '..');
export const WORKFLOWS_DIR = join(REPO_ROOT, '.github', 'workflows');

export interface WorkflowStep {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, string | number | boolean>;
  readonly env?: Record<string, string>;
  readonly 'working-directory'?: string;
}

/** A job runs steps, or calls a reusable workflow (`uses:` at job level). */
export interface WorkflowJob {
  readonly name?: string;
  readonly if?: string;
  readonly needs?: string | string[];
  readonly uses?: string;
  readonly environment?: string | { name: string };
  readonly permissions?: Record<string, string>;
  readonly concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  readonly outputs?: Record<string, string>;
  readonly steps?: WorkflowStep[];
}

export interface Workflow {
  readonly on: Record<string, { branches?: string[] } | null>;
  readonly permissions?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly jobs: Record<string, WorkflowJob>;
}

export interface WorkflowFile {
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

/** Every workflow under .github/workflows, raw (for comments) and parsed. */
export function loadWorkflows(): WorkflowFile[] {
  return readdirSync(WORKFLOWS_DIR)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => {
      const text = readFileSync(join(WORKFLOWS_DIR, file), 'utf8');
      return { file, text, workflow: parse(text) as Workflow };
    });
}

export function loadWorkflow(file: string): Workflow {
  const found = loadWorkflows().find((candidate) => candidate.file === file);
  if (!found) throw new Error(`.github/workflows/${file} does not exist`);
  return found.workflow;
}

/** True when some line of the step's `run` script starts with `command`. */
export const runs = (command: string) => (step: WorkflowStep) => step.run?.split('\n').some((line) => line.trim().startsWith(command)) ?? false;

export const usesAction = (action: string) => (step: WorkflowStep) => step.uses?.startsWith(`${action}@`) ?? false;
