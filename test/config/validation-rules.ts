import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** One validation rule of lib/config: its message template, and a pattern for the messages it produces. */
export interface ValidationRule {
  /** The message as written in the source, placeholders included (`service.minTasks (${s.minTasks}) must not ...`). */
  readonly template: string;
  readonly pattern: RegExp;
}

/** A file of lib/config that holds rules, and the messages of its helpers, `${field}` standing for the field named at the call. */
export interface RuleSource {
  readonly file: string;
  readonly helperMessages: Record<string, string>;
}

const configFile = (name: string) => path.join(__dirname, '..', '..', 'lib', 'config', name);

export const VALIDATE_RULES: RuleSource = {
  file: configFile('validate.ts'),
  helperMessages: {
    requireInteger: '${field} must be an integer between',
    requireLogRetention: '${field} must be one of the CloudWatch Logs retention periods',
    requireRetention: '${field} must be at least',
  },
};

export const LOAD_TEST_RULES: RuleSource = {
  file: configFile('load-test.ts'),
  helperMessages: { integer: 'loadTest.${field} must be an integer between' },
};

/** Every file of lib/config that pushes a problem: each must be one of the sources above. */
export const RULE_SOURCES: readonly RuleSource[] = [VALIDATE_RULES, LOAD_TEST_RULES];

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A pattern that matches what a template literal produces: each `${...}` becomes `.*`. */
function patternOf(template: string): RegExp {
  return new RegExp(`^${template.split(/\$\{[^}]*\}/).map(escape).join('.*')}`);
}

/**
 * Whether a rule file is Stryker's instrumented copy (a mutation run's sandbox): its
 * messages are then wrapped in mutant switches and no longer read as rules. The coverage
 * tests check the suite, not a behaviour, so they have nothing to tell a mutant from.
 */
export const sourceIsInstrumented = ({ file }: RuleSource): boolean => readFileSync(file, 'utf8').includes('stryMutAct_');

export const validateSourceIsInstrumented = (): boolean => sourceIsInstrumented(VALIDATE_RULES);

/**
 * Every rule in a rule file, read from its source: each `problems.push(<message>)` and each
 * call of a helper with the field it names. Read from the source so a rule added there
 * without a test case fails the coverage test.
 */
export function validationRules({ file, helperMessages }: RuleSource = VALIDATE_RULES, source = readFileSync(file, 'utf8')): ValidationRule[] {
  const pushed = [...source.matchAll(/problems\.push\(\s*(['`])((?:\\.|(?!\1)[^\\])*)\1/g)]
    .map((match) => match[2])
    // The helpers' own messages; their call sites are the rules.
    .filter((template) => !Object.values(helperMessages).some((message) => template.startsWith(message)));
  const helperCall = /\b(require[A-Za-z]+|integer)\((?:problems,\s*)?(['`])((?:(?!\2).)*)\2/g;
  const helperCalls = [...source.matchAll(helperCall)].map(([, helper, , field]) => {
    if (!helperMessages[helper]) throw new Error(`validation-rules.ts does not know the message of ${helper} in ${path.basename(file)}: add it to its helperMessages`);
    return helperMessages[helper].replace('${field}', field);
  });
  return [...pushed, ...helperCalls].map((template) => ({ template, pattern: patternOf(template) }));
}
