// Writes the personal-data inventory and erasure bound of the shipped stages into
// docs/privacy.md, between its markers, from lib/config/privacy.ts (npm run docs:privacy).
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderPrivacyInventory, STAGES } from '../lib/config';

const DOCS = path.join(__dirname, '..', 'docs', 'privacy.md');
const START = '<!-- privacy-inventory:start (npm run docs:privacy) -->';
const END = '<!-- privacy-inventory:end -->';

const docs = readFileSync(DOCS, 'utf8');
const start = docs.indexOf(START);
const end = docs.indexOf(END);
if (start < 0 || end < start) throw new Error(`${DOCS} has no "${START}" ... "${END}" markers`);
const inventory = Object.values(STAGES).map(renderPrivacyInventory).join('\n\n');
writeFileSync(DOCS, `${docs.slice(0, start + START.length)}\n${inventory}\n${docs.slice(end)}`);
