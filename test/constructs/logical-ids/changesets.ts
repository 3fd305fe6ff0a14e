import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The bump a changeset file's front matter gives `packageName`, if any:
 * `"@scope/name": major` between the two `---` lines.
 */
export function changesetBump(markdown: string, packageName: string): string | undefined {
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n---/.exec(markdown)?.[1] ?? '';
  for (const line of frontMatter.split(/\r?\n/)) {
    const match = /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line);
    if (match && match[1] === packageName) return match[2];
  }
  return undefined;
}

/** The pending changesets (`.changeset/*.md`) that make the next release of `packageName` major. */
export function pendingMajorChangesets(changesetDir: string, packageName: string): string[] {
  return readdirSync(changesetDir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .filter((file) => changesetBump(readFileSync(path.join(changesetDir, file), 'utf8'), packageName) === 'major');
}
