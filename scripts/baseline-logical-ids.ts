/**
 * The logical-ID baselines of test/constructs/logical-ids (one JSON file per construct and
 * stage, checked by test/constructs/logical-ids/logical-ids.test.ts):
 *
 *   npm run baseline:logical-ids                      what differs from the baselines
 *   npm run baseline:logical-ids -- --update          record the current state
 *   npm run baseline:logical-ids -- --update WebService   only the named subjects
 *
 * Recording a replacement of a construct's stateful resource needs a pending major
 * changeset (.changeset/*.md with "@bulwark-cdk/constructs": major): every user's stack
 * would replace it on upgrade.
 */
import { readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { BASELINE_DIR, baselinePath, displayPath, orphanedBaselines, readBaseline, writeBaseline } from '../test/constructs/logical-ids/baselines';
import { pendingMajorChangesets } from '../test/constructs/logical-ids/changesets';
import { compareSnapshots, describeChanges, hasChanges, isBreaking } from '../test/constructs/logical-ids/compare';
import { snapshotSubject } from '../test/constructs/logical-ids/snapshot';
import { LOGICAL_ID_SUBJECTS } from '../test/constructs/logical-ids/subjects';

const root = path.join(__dirname, '..');
const args = process.argv.slice(2);
const update = args.includes('--update');
const names = args.filter((arg) => !arg.startsWith('--'));
const unknown = names.filter((name) => !LOGICAL_ID_SUBJECTS.some((subject) => subject.name === name));
if (unknown.length > 0) {
  console.error(`baseline:logical-ids: no subject named ${unknown.join(', ')} (known: ${LOGICAL_ID_SUBJECTS.map((subject) => subject.name).join(', ')})`);
  process.exit(2);
}
const subjects = LOGICAL_ID_SUBJECTS.filter((subject) => names.length === 0 || names.includes(subject.name));
const packageName = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string }).name;
const majorChangesets = pendingMajorChangesets(path.join(root, '.changeset'), packageName);

let failed = false;
for (const subject of subjects) {
  const current = snapshotSubject(subject);
  const baseline = readBaseline(subject);
  const file = displayPath(baselinePath(subject));
  if (!baseline) {
    if (update) writeBaseline(subject, current);
    console.log(`${subject.name}: ${update ? 'recorded' : 'no baseline'} (${file}, ${Object.keys(current.pinned).length} pinned)`);
    failed ||= !update;
    continue;
  }
  const changes = compareSnapshots(baseline, current);
  if (!hasChanges(changes) && JSON.stringify(baseline) === JSON.stringify(current)) {
    console.log(`${subject.name}: unchanged (${Object.keys(current.pinned).length} pinned)`);
    continue;
  }
  if (!update) {
    console.log(hasChanges(changes) ? describeChanges(subject, file, changes) : `${subject.name}: new stateless resources only; --update records them`);
    failed ||= hasChanges(changes);
    continue;
  }
  if (isBreaking(subject, changes) && majorChangesets.length === 0) {
    console.error(`${describeChanges(subject, file, changes)}\nNot recorded: add a major changeset for ${packageName} first (npx changeset, choose major).`);
    failed = true;
    continue;
  }
  writeBaseline(subject, current);
  console.log(`${subject.name}: recorded (${file})${isBreaking(subject, changes) ? `; breaking, announced by ${majorChangesets.join(', ')}` : ''}`);
}
if (update && names.length === 0) {
  for (const file of orphanedBaselines(LOGICAL_ID_SUBJECTS)) {
    rmSync(path.join(BASELINE_DIR, file));
    console.log(`${file}: removed (no subject of that name)`);
  }
}
process.exitCode = failed ? 1 : 0;
