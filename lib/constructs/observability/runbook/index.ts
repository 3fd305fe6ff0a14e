/**
 * Where alarm descriptions point operators. Every alarm names a heading of the runbook;
 * the anchor is the heading as GitHub renders it (lower case, punctuation dropped, spaces
 * to dashes), and a test checks that each anchor exists in docs/runbook.md.
 */

/** Path of the runbook in this repository (the project's stacks link it by its repository URL). */
export const RUNBOOK_PATH = 'docs/runbook.md';

/** The anchor GitHub gives a Markdown heading. */
export function runbookAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** `<runbookUrl>#<anchor>` */
export function runbookLink(runbookUrl: string, anchor: string): string {
  return `${runbookUrl}#${anchor}`;
}

/** CloudWatch limits alarm descriptions to 1024 characters. */
const MAX_DESCRIPTION_LENGTH = 1024;

/** An alarm description: what the alarm means, then the runbook section to open when there is a runbook. */
export function alarmDescription(meaning: string, runbookUrl: string | undefined, anchor: string): string {
  const description = runbookUrl === undefined ? meaning.trim() : `${meaning.trim()} Runbook: ${runbookLink(runbookUrl, anchor)}`;
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw new Error(`Alarm description is ${description.length} characters, over CloudWatch's ${MAX_DESCRIPTION_LENGTH}: ${description.slice(0, 80)}...`);
  }
  return description;
}
