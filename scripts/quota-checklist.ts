// Writes the fresh-account quota checklist of the shipped stages into docs/deploying.md,
// between its markers, from the same table config validation uses (npm run docs:quotas).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderQuotaChecklist, STAGES } from '../lib/config';

const DOCS = path.join(__dirname, '..', 'docs', 'deploying.md');
const START = '<!-- quota-checklist:start (npm run docs:quotas) -->';
const END = '<!-- quota-checklist:end -->';

const docs = readFileSync(DOCS, 'utf8');
const start = docs.indexOf(START);
const end = docs.indexOf(END);
if (start < 0 || end < start) throw new Error(`${DOCS} has no "${START}" ... "${END}" markers`);
writeFileSync(DOCS, `${docs.slice(0, start + START.length)}\n${renderQuotaChecklist(Object.values(STAGES))}\n${docs.slice(end)}`);
