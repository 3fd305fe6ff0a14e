import { isDeepStrictEqual } from 'node:util';
import { PINNED_TYPES } from './replacement-sensitive';
import type { LogicalIdSnapshot, LogicalIdSubject, PinnedResource, RetentionPolicy } from './snapshot';

/** The command that records the current logical IDs as the new baseline. */
export const UPDATE_COMMAND = 'npm run baseline:logical-ids -- --update';

/** What changed against the baseline, by how much it costs a user who upgrades. */
export interface LogicalIdChanges {
  /** Pinned resources that CloudFormation would replace (or fail to update). */
  readonly replaced: string[];
  /** Other resources of a construct that would be replaced or removed. */
  readonly replacedStateless: string[];
  /** Pinned resources that a removal or replacement now keeps less of (Retain -> Delete). */
  readonly lessRetained: string[];
  /** Pinned resources that a removal or replacement now keeps more of: no data at risk. */
  readonly moreRetained: string[];
  /** Stateful resources that are new: not a break, but not pinned until recorded. */
  readonly unrecorded: string[];
}

/** How much of a resource survives its removal or replacement; no policy is Delete. */
const RETAINED: Readonly<Record<RetentionPolicy, number>> = { Delete: 0, Snapshot: 1, RetainExceptOnCreate: 2, Retain: 2 };

function compareRetention(key: string, before: PinnedResource, after: PinnedResource, lessRetained: string[], moreRetained: string[]): void {
  for (const attribute of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
    const was = before[attribute] ?? 'Delete';
    const is = after[attribute] ?? 'Delete';
    if (was === is) continue;
    const line = `${key} (${before.Type}): ${attribute} ${was} -> ${is}`;
    if (RETAINED[is] < RETAINED[was]) lessRetained.push(`${line}: ${attribute === 'DeletionPolicy' ? 'removing it from a stack' : 'replacing it'} now deletes what was kept`);
    else moreRetained.push(line);
  }
}

export function compareSnapshots(baseline: LogicalIdSnapshot, current: LogicalIdSnapshot): LogicalIdChanges {
  const replaced: string[] = [];
  const lessRetained: string[] = [];
  const moreRetained: string[] = [];
  for (const [key, before] of Object.entries(baseline.pinned)) {
    const after = current.pinned[key];
    const consequence = PINNED_TYPES[before.Type]?.consequence ?? 'it is replaced';
    if (!after) {
      replaced.push(`${key} (${before.Type}) is gone (its construct id or path changed, or it was removed): ${consequence}`);
      continue;
    }
    compareRetention(key, before, after, lessRetained, moreRetained);
    for (const property of new Set([...Object.keys(before.Properties), ...Object.keys(after.Properties)])) {
      if (isDeepStrictEqual(before.Properties[property], after.Properties[property])) continue;
      replaced.push(`${key} (${before.Type}): ${property} ${JSON.stringify(before.Properties[property])} -> ${JSON.stringify(after.Properties[property])} forces a replacement: ${consequence}`);
    }
  }
  // A resource whose type became pinned moved from one list to the other: it is still there.
  const stillThere = new Set([...(current.replaceable ?? []), ...Object.keys(current.pinned)]);
  const replacedStateless = (baseline.replaceable ?? []).filter((key) => !stillThere.has(key)).map((key) => `${key} is gone: CloudFormation replaces or removes it on upgrade`);
  const unrecorded = Object.keys(current.pinned)
    .filter((key) => !baseline.pinned[key])
    .map((key) => `${key} (${current.pinned[key].Type}) is new and not pinned yet`);
  return { replaced, replacedStateless, lessRetained, moreRetained, unrecorded };
}

export function hasChanges(changes: LogicalIdChanges): boolean {
  return Object.values(changes).some((items: string[]) => items.length > 0);
}

/** The changes that cost a user data or a failed deploy: a construct's need a major version. */
export function breakingChanges(changes: LogicalIdChanges): string[] {
  return [...changes.replaced, ...changes.lessRetained];
}

/** Whether recording `changes` needs a major version of the package. */
export function isBreaking(subject: LogicalIdSubject, changes: LogicalIdChanges): boolean {
  return subject.kind === 'construct' && breakingChanges(changes).length > 0;
}

/** The failure message: what changed, what it costs, and how to record it if intended. */
export function describeChanges(subject: LogicalIdSubject, baselineFile: string, changes: LogicalIdChanges): string {
  const lines = [`${subject.name}: logical IDs or replacement-sensitive properties differ from ${baselineFile}`];
  const list = (title: string, items: string[]) => {
    if (items.length > 0) lines.push(title, ...items.map((item) => `  - ${item}`));
  };
  list('Replaced on update (stateful or identity-bearing):', changes.replaced);
  list('Kept less when removed or replaced:', changes.lessRetained);
  list('Kept more when removed or replaced:', changes.moreRetained);
  list('Replaced on update (stateless):', changes.replacedStateless);
  list('New stateful resources, not pinned yet:', changes.unrecorded);
  if (breakingChanges(changes).length > 0) {
    lines.push(
      subject.kind === 'construct'
        ? `Every stack that uses ${subject.name} would get these replacements (or keep less of these resources) when it upgrades the package. Keep the construct ids and properties as they were (a moved resource keeps its ID with overrideLogicalId), or, if the replacement is intended, record it with \`${UPDATE_COMMAND}\` together with a major-version changeset (npx changeset, major) that tells users what is replaced and how to keep their data.`
        : `Operators update the ${subject.name} stacks in place: the next deploy would replace these resources. Keep the ids and properties as they were, or, if the replacement is intended, record it with \`${UPDATE_COMMAND}\` and write the data migration into the pull request and docs/operations.md.`,
    );
  } else {
    lines.push(`If this is intended, record it with \`${UPDATE_COMMAND}\`${changes.replacedStateless.length > 0 ? ' and say in the changeset which resources are replaced' : ''}.`);
  }
  return lines.join('\n');
}
