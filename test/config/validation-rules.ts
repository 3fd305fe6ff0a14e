import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One rule of lib/config/validate.ts: its message template, and a pattern for the messages it produces. */
export interface ValidationRule {
  /** The message as written in the source, placeholders included (`service.minTasks (${s.minTasks}) must not ...`). */
  readonly template: string;
  readonly pattern: RegExp;
}

const VALIDATE_SOURCE = path.join(__dirname, '..', '..', 'lib', 'config', 'validate.ts');

/** The messages of the `require*` helpers, `${field}` standing for the field named at the call. */
const HELPER_MESSAGES: Record<string, string> = {
  requireInteger: '${field} must be an integer between',
  requireLogRetention: '${field} must be one of the CloudWatch Logs retention periods',
  requireRetention: '${field} must be at least',
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern that matches what a template literal produces: each `${...}` becomes `.*`. */
function patternOf(template: string): RegExp {
  return new RegExp(`^${template.split(/\$\{[^}]*\}/).map(escape).join('.*')}`);
}

/**
 * Whether validate.ts is Stryker's instrumented copy (a mutation run's sandbox): its
 * messages are then wrapped in mutant switches and no longer read as rules. The coverage
 * test checks the suite, not a behaviour, so it has nothing to tell a mutant from.
 */
export const validateSourceIsInstrumented = (): boolean => readFileSync(VALIDATE_SOURCE, 'utf8').includes('stryMutAct_');

/**
 * Every rule in validate.ts, read from its source: each `problems.push(<message>)` and
 * each call of a `require*` helper with the field it names. Read from the source so a
 * rule added there without a test case fails the coverage test.
 */
export function validationRules(source = readFileSync(VALIDATE_SOURCE, 'utf8')): ValidationRule[] {
  const pushed = [...source.matchAll(/problems\.push\(\s*(['`])((?:\\.|(?!\1)[^\\])*)\1/g)]
    .map((match) => match[2])
    // The helpers' own messages start with their `${field}` parameter; their call sites are the rules.
    .filter((template) => !template.startsWith('${field}'));
  const helperCalls = [...source.matchAll(/\b(require[A-Za-z]+)\(problems,\s*(['`])((?:(?!\2).)*)\2/g)].map(([, helper, , field]) => {
    if (!HELPER_MESSAGES[helper]) throw new Error(`validation-rules.ts does not know the message of ${helper}: add it to HELPER_MESSAGES`);
    return HELPER_MESSAGES[helper].replace('${field}', field);
  });
  return [...pushed, ...helperCalls].map((template) => ({ template, pattern: patternOf(template) }));
}
