import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_SOURCES, sourceIsInstrumented } from './validation-rules';

describe('the rule-coverage tests', () => {
  it.skipIf(RULE_SOURCES.some(sourceIsInstrumented))('read the rules of every lib/config file that has any', () => {
    const configDir = path.join(__dirname, '..', '..', 'lib', 'config');
    const withRules = readdirSync(configDir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && readFileSync(path.join(configDir, file), 'utf8').includes('problems.push('))
      .map((file) => path.join(configDir, file));
    expect(withRules.sort(), 'add the file to RULE_SOURCES in test/config/validation-rules.ts and give its rules cases').toEqual(RULE_SOURCES.map(({ file }) => file).sort());
  });
});
