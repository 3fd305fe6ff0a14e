// Writes the personal-data inventory and erasure bound of the shipped stages into
// docs/privacy.md, between its markers, from lib/config/privacy.ts (npm run docs:privacy).
import * as path from 'node:path';
import { renderPrivacyInventory, STAGES } from '../lib/config';
import { writeGeneratedSection } from './generated-section';

writeGeneratedSection(
  path.join(__dirname, '..', 'docs', 'privacy.md'),
  '<!-- privacy-inventory:start (npm run docs:privacy) -->',
  '<!-- privacy-inventory:end -->',
  Object.values(STAGES).map(renderPrivacyInventory).join('\n\n'),
);
