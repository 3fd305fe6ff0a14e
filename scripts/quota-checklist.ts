// Writes the fresh-account quota checklist of the shipped stages into docs/deploying.md,
// between its markers, from the same table config validation uses (npm run docs:quotas).
import * as path from 'node:path';
import { renderQuotaChecklist, STAGES } from '../lib/config';
import { writeGeneratedSection } from './generated-section';

writeGeneratedSection(
  path.join(__dirname, '..', 'docs', 'deploying.md'),
  '<!-- quota-checklist:start (npm run docs:quotas) -->',
  '<!-- quota-checklist:end -->',
  renderQuotaChecklist(Object.values(STAGES)),
);
