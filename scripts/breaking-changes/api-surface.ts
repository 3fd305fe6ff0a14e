/**
 * The public surface an API Extractor report (etc/constructs.api.md) records, read from its
 * text: the exported declarations and, for classes, interfaces and enums, their members.
 * Enough to tell what a consumer's code can no longer use; type changes are left to review
 * (a changed type may widen or narrow, which the text alone cannot tell).
 */
export interface ApiDeclaration {
  readonly kind: string;
  /** Member name -> whether it is optional (`readonly vpc?: ec2.IVpc`). */
  readonly members: ReadonlyMap<string, boolean>;
}

export type ApiSurface = ReadonlyMap<string, ApiDeclaration>;

const DECLARATION = /^export (?:declare )?(?:abstract )?(class|interface|function|const|let|type|enum|namespace) ([\w$]+)/;
const MODIFIERS = /^(?:(?:abstract|static|protected|public|readonly|get|set)\s+)+/;
// A member name: an identifier, a quoted key or an index signature, then `?` when optional.
const MEMBER = /^([\w$]+|"[^"]*"|'[^']*'|\[[^\]]*\])(\?)?/;
/** Kinds whose body lists members a consumer uses by name. */
const WITH_MEMBERS = new Set(['class', 'interface', 'enum']);

export function parseApiReport(report: string): ApiSurface {
  const surface = new Map<string, ApiDeclaration>();
  let open: { kind: string; members: Map<string, boolean> } | undefined;
  for (const line of report.split('\n')) {
    const declaration = DECLARATION.exec(line);
    if (declaration) {
      const [, kind, name] = declaration;
      open = { kind, members: new Map() };
      surface.set(name, open);
      continue;
    }
    if (/^\S/.test(line)) {
      // A closing brace, an import, a comment or the Markdown around the code block.
      open = undefined;
      continue;
    }
    // Members sit at exactly one level of indentation; deeper lines continue a signature.
    if (!open || !WITH_MEMBERS.has(open.kind) || !/^ {4}\S/.test(line)) continue;
    const text = line.trim().replace(MODIFIERS, '');
    if (text.startsWith('//') || text.startsWith('}')) continue;
    const member = MEMBER.exec(text);
    if (member) open.members.set(member[1], (open.members.get(member[1]) ?? true) && member[2] === '?');
  }
  return surface;
}

/**
 * What `after` takes away from code written against `before`: a removed (or renamed)
 * export, a declaration of another kind, a removed (or renamed) member, and an interface
 * member made required (a props object that omitted it no longer compiles).
 */
export function breakingApiChanges(before: ApiSurface, after: ApiSurface): string[] {
  const changes: string[] = [];
  for (const [name, was] of before) {
    const is = after.get(name);
    if (!is) {
      changes.push(`${name} (${was.kind}) is no longer exported`);
      continue;
    }
    if (is.kind !== was.kind) {
      changes.push(`${name} is now a ${is.kind}, was a ${was.kind}`);
      continue;
    }
    for (const [member, wasOptional] of was.members) {
      const isOptional = is.members.get(member);
      if (isOptional === undefined) changes.push(`${name}.${member} is gone (removed or renamed)`);
      else if (was.kind === 'interface' && wasOptional && !isOptional) changes.push(`${name}.${member} became required`);
    }
  }
  return changes;
}
