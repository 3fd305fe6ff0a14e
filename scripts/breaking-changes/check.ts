import { execFileSync } from 'node:child_process';
import { STAGE_SUBJECT_PREFIX } from '../../test/constructs/logical-ids/baselines';
import { changesetBump } from '../../test/constructs/logical-ids/changesets';
import { breakingChanges, compareSnapshots } from '../../test/constructs/logical-ids/compare';
import type { LogicalIdSnapshot } from '../../test/constructs/logical-ids/snapshot';
import { breakingApiChanges, parseApiReport } from './api-surface';

/**
 * The files the check reads, relative to the repository root (as git names them). Fixed
 * here, not taken from the code under check: a change that moved them would otherwise
 * compare against a base that has nothing there, and find nothing. Moving them means
 * changing this file (tests keep it in step with api-extractor.json and the baselines).
 */
export const API_REPORT = 'etc/constructs.api.md';
export const BASELINES = 'test/constructs/logical-ids/__baselines__';
const CHANGESETS = '.changeset';

/** A base that cannot be compared against, or a repository that is not one. */
export class BreakingCheckError extends Error {}

/** Runs git in `repo` and returns its output (both checks read the repository through it). */
export const gitIn =
  (repo: string) =>
  (...args: string[]): string =>
    execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

export interface BreakingCheckResult {
  /** The commit compared against: the merge base of HEAD and the base ref. */
  readonly mergeBase: string;
  /** Breaking changes of the public API report, and of the construct baselines. */
  readonly api: string[];
  readonly logicalIds: string[];
  /** Pending changesets (at HEAD) that make the next release of the package major. */
  readonly majorChangesets: string[];
  readonly packageName: string;
}

/**
 * Compares the committed API report and logical-ID baselines of HEAD with those of its merge
 * base with `base` (e.g. origin/main), and lists what breaks a user of the package. Stage
 * baselines are this repository's own stacks, not the package's promise, and are skipped.
 */
export function checkBreakingChanges(repo: string, base: string): BreakingCheckResult {
  const git = gitIn(repo);
  const show = (revision: string, file: string) => git('show', `${revision}:${file}`);
  const list = (revision: string, folder: string) => git('ls-tree', '--name-only', `${revision}:${folder}`).split('\n').filter(Boolean);
  const exists = (revision: string, file: string) => {
    try {
      git('cat-file', '-e', `${revision}:${file}`);
      return true;
    } catch {
      return false;
    }
  };
  try {
    git('rev-parse', '--verify', '--quiet', `${base}^{commit}`);
  } catch {
    throw new BreakingCheckError(`${base} is not a commit here: fetch it first (a CI checkout needs fetch-depth: 0) or name another base with --base`);
  }
  const mergeBase = git('merge-base', 'HEAD', base).trim();

  // What the base pinned must still be there to compare with: a missing report or baseline
  // folder is itself a break (its absence would otherwise read as "nothing changed").
  const api = !exists(mergeBase, API_REPORT)
    ? []
    : exists('HEAD', API_REPORT)
      ? breakingApiChanges(parseApiReport(show(mergeBase, API_REPORT)), parseApiReport(show('HEAD', API_REPORT)))
      : [`${API_REPORT} is gone: there is no API report to compare with the base's`];

  const baselines = (revision: string) =>
    new Map(
      (exists(revision, BASELINES) ? list(revision, BASELINES) : [])
        .filter((file) => file.endsWith('.json') && !file.startsWith(STAGE_SUBJECT_PREFIX))
        .map((file) => [file.replace(/\.json$/, ''), JSON.parse(show(revision, `${BASELINES}/${file}`)) as LogicalIdSnapshot] as const),
    );
  const after = baselines('HEAD');
  const logicalIds = [...baselines(mergeBase)].flatMap(([name, before]) => {
    const current = after.get(name) ?? { pinned: {} };
    return breakingChanges(compareSnapshots(before, current)).map((change) => `${name}: ${change}`);
  });

  const packageName = (JSON.parse(show('HEAD', 'package.json')) as { name: string }).name;
  const majorChangesets = (exists('HEAD', CHANGESETS) ? list('HEAD', CHANGESETS) : [])
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .filter((file) => changesetBump(show('HEAD', `${CHANGESETS}/${file}`), packageName) === 'major');
  return { mergeBase, api, logicalIds, majorChangesets, packageName };
}

/** Whether the result may merge: nothing breaks, or a major changeset announces it. */
export function breakingChangesAnnounced(result: BreakingCheckResult): boolean {
  return result.api.length + result.logicalIds.length === 0 || result.majorChangesets.length > 0;
}

/** The report printed by the CLI: what breaks, and what to do about it. */
export function describeBreakingCheck(result: BreakingCheckResult, base: string): string {
  return describeBreaks(
    result,
    base,
    result.majorChangesets.length > 0
      ? `Announced as major by ${result.majorChangesets.map((file) => `${CHANGESETS}/${file}`).join(', ')}.`
      : `No pending changeset makes the next release of ${result.packageName} major: it would ship as a minor or patch. Add one (npx changeset, choose major) that tells users what breaks and how to keep their data, or undo the break.`,
  );
}

/** What breaks against `base`, one line per change, then `verdict` (how the release announces it). */
export function describeBreaks(result: BreakingCheckResult, base: string, verdict: string): string {
  const against = `${base} (merge base ${result.mergeBase.slice(0, 12)})`;
  if (result.api.length + result.logicalIds.length === 0) return `breaking-changes: none against ${against}`;
  const lines = [`breaking-changes: against ${against}, this change breaks users of ${result.packageName}:`];
  const list = (title: string, items: string[]) => {
    if (items.length > 0) lines.push(title, ...items.map((item) => `  - ${item}`));
  };
  list(`Public API (${API_REPORT}):`, result.api);
  list(`Logical IDs (${BASELINES}):`, result.logicalIds);
  lines.push(verdict);
  return lines.join('\n');
}
