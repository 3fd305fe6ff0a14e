import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces what lies between `start` and `end` in a Markdown file with `content`: the
 * generated parts of the docs (quota checklist, privacy inventory) are written this way,
 * so the prose around them stays hand-written.
 */
export function writeGeneratedSection(file: string, start: string, end: string, content: string): void {
  const docs = readFileSync(file, 'utf8');
  const from = docs.indexOf(start);
  const to = docs.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file} has no "${start}" ... "${end}" markers`);
  writeFileSync(file, `${docs.slice(0, from + start.length)}\n${content}\n${docs.slice(to)}`);
}
