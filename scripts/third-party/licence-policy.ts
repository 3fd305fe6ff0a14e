/**
 * Which licences third-party code may carry into what we ship (the Lambda bundles in the
 * library package, the app's bundle in its image). Permissive licences only: each asks no
 * more than keeping its text and the copyright and NOTICE lines, which THIRD-PARTY-NOTICES.md
 * does. A copyleft or unknown licence fails the build instead of slipping into a bundle.
 */

/** SPDX id → why it is allowed. Add an id only with a reason a licence reviewer accepts. */
export const PERMISSIVE_LICENCES: Readonly<Record<string, string>> = {
  'Apache-2.0': 'permissive; keep the licence text and the NOTICE file (the AWS SDK, Smithy, X-Ray SDK)',
  MIT: 'permissive; keep the copyright notice and the licence text',
  'MIT-0': 'MIT without even the attribution condition (Powertools for AWS Lambda)',
  'BSD-2-Clause': 'permissive; keep the copyright notice, conditions and disclaimer',
  'BSD-3-Clause': 'BSD-2-Clause plus a no-endorsement clause',
  ISC: 'permissive, equivalent to MIT',
  '0BSD': 'public-domain equivalent, no conditions at all (tslib)',
  Zlib: 'permissive: keep the notice, do not misrepresent the origin, mark altered versions (pako in the load generator, with MIT)',
};

/** A bundled package whose licence we cannot ship under: the message names the package. */
export class LicencePolicyError extends Error {}

type Expression = { id: string } | { op: 'AND' | 'OR'; left: Expression; right: Expression } | { with: string; id: string };

/**
 * Parses an SPDX licence expression (`MIT`, `(MIT OR Apache-2.0)`, `Apache-2.0 AND BSD-3-Clause`,
 * `GPL-2.0-only WITH Classpath-exception-2.0`); AND binds tighter than OR, as in the SPDX spec.
 */
export function parseSpdxExpression(expression: string): Expression {
  const tokens = expression.replace(/[()]/g, ' $& ').trim().split(/\s+/);
  let position = 0;
  const fail = (why: string): never => {
    throw new LicencePolicyError(`"${expression}" is not an SPDX licence expression (${why})`);
  };
  const next = (): string => tokens[position++] ?? fail('it ends too early');
  const atom = (): Expression => {
    const token = next();
    if (token === '(') {
      const inner = or();
      if (next() !== ')') fail('a parenthesis is not closed');
      return inner;
    }
    if (/^(AND|OR|WITH|\))$/i.test(token)) fail(`"${token}" where a licence id belongs`);
    if (tokens[position]?.toUpperCase() === 'WITH') {
      position++;
      return { id: token, with: next() };
    }
    return { id: token };
  };
  const binary = (op: 'AND' | 'OR', operand: () => Expression) => (): Expression => {
    let left = operand();
    while (tokens[position]?.toUpperCase() === op) {
      position++;
      left = { op, left, right: operand() };
    }
    return left;
  };
  const and = binary('AND', atom);
  const or = binary('OR', and);
  const parsed = or();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  return parsed;
}

/**
 * The licence ids a package ships under with us, for the reference texts of a package
 * without a licence file: of an OR, the first alternative we can meet (the others' terms do
 * not apply to us); of an AND, every operand.
 */
export function electedLicenceIds(expression: string): string[] {
  const elect = (node: Expression): string[] => {
    if (!('op' in node)) return [node.id];
    if (node.op === 'AND') return [...elect(node.left), ...elect(node.right)];
    return permissive(node.left) ? elect(node.left) : elect(node.right);
  };
  return [...new Set(elect(parseSpdxExpression(expression)))];
}

/**
 * True when the terms can be met with permissive licences only: one alternative of an OR
 * suffices (we take that one), every operand of an AND must be permissive, and a licence
 * exception (WITH) is not accepted (they qualify copyleft licences).
 */
function permissive(node: Expression): boolean {
  if ('op' in node) return node.op === 'OR' ? permissive(node.left) || permissive(node.right) : permissive(node.left) && permissive(node.right);
  return !('with' in node) && Object.hasOwn(PERMISSIVE_LICENCES, node.id);
}

/** Fails, naming the package, unless its declared licence is permissive. */
export function checkLicence(packageId: string, licence: string): void {
  let allowed: boolean;
  try {
    allowed = permissive(parseSpdxExpression(licence));
  } catch (error) {
    throw new LicencePolicyError(`${packageId} is bundled but declares the licence ${(error as Error).message}`);
  }
  if (!allowed) {
    throw new LicencePolicyError(
      `${packageId} is bundled but its licence "${licence}" is not one of the permissive licences allowed (${Object.keys(PERMISSIVE_LICENCES).join(', ')}): ` +
        'keep it out of the bundle (external, or another package), or add the licence to scripts/third-party/licence-policy.ts with the reason it is permissive',
    );
  }
}
