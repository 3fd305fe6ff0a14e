/**
 * The public surface an API Extractor report (etc/constructs.api.md) records, read from its
 * text: the exported declarations, what each class or interface extends or implements, the
 * members of classes, interfaces and enums, and which parameters of functions, methods and
 * constructors a caller must pass. Enough to tell what a consumer's code can no longer use
 * or no longer compiles; type changes are left to review (a changed type may widen or
 * narrow, which the text alone cannot tell).
 */
export interface ApiDeclaration {
  readonly kind: string;
  /** Member name -> whether it is optional (`readonly vpc?: ec2.IVpc`). */
  readonly members: ReadonlyMap<string, boolean>;
  /** The `extends` and `implements` clauses' types, as written (`Omit<AlarmSpec, 'threshold'>`). */
  readonly heritage: readonly string[];
  /** Function, method or constructor (name `constructor`, or the function's own name) -> its parameters. */
  readonly signatures: ReadonlyMap<string, Parameters>;
}

/** A parameter list: how many a caller must pass, and how many it may. */
export interface Parameters {
  readonly required: number;
  /** Infinity with a rest parameter. */
  readonly accepted: number;
}

export type ApiSurface = ReadonlyMap<string, ApiDeclaration>;

const DECLARATION = /^export (?:declare )?(?:abstract )?(class|interface|function|const|let|type|enum|namespace) ([\w$]+)(.*)$/;
const MODIFIERS = /^(?:(?:abstract|static|protected|public|readonly|get|set)\s+)+/;
// A member name: an identifier, a quoted key or an index signature, then `?` when optional.
const MEMBER = /^([\w$]+|"[^"]*"|'[^']*'|\[[^\]]*\])(\?)?/;
/** Kinds whose body lists members a consumer uses by name. */
const WITH_MEMBERS = new Set(['class', 'interface', 'enum']);

/** Splits at the commas outside any brackets: `A<B, C>, D` -> [`A<B, C>`, `D`]. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if ('<([{'.includes(char)) depth++;
    else if ('>)]}'.includes(char) && text[index - 1] !== '=') depth--;
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((part) => part.trim().replace(/\s+/g, ' ')).filter(Boolean);
}

/** The text inside the parentheses that open at `open`, or undefined when they do not close on the line. */
function parenthesised(text: string, open: number): string | undefined {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === '(') depth++;
    else if (text[index] === ')' && --depth === 0) return text.slice(open + 1, index);
  }
  return undefined;
}

function parameters(list: string): Parameters {
  const params = splitTopLevel(list);
  const rest = params.some((param) => param.startsWith('...'));
  const required = params.filter((param) => !param.startsWith('...') && !/^[\w$]+\?/.test(param)).length;
  return { required, accepted: rest ? Infinity : params.length };
}

/** `<T> extends A, B<C> implements D {` -> [`A`, `B<C>`, `D`]. */
function heritageOf(rest: string): string[] {
  const clause = /\s(?:extends|implements)\s(.*?)\s*\{?\s*$/.exec(rest)?.[1] ?? '';
  return clause.split(/\s+implements\s+/).flatMap(splitTopLevel);
}

export function parseApiReport(report: string): ApiSurface {
  const surface = new Map<string, ApiDeclaration>();
  let open: { kind: string; members: Map<string, boolean>; heritage: string[]; signatures: Map<string, Parameters> } | undefined;
  for (const line of report.split('\n')) {
    const declaration = DECLARATION.exec(line);
    if (declaration) {
      const [, kind, name, rest] = declaration;
      open = { kind, members: new Map(), heritage: kind === 'class' || kind === 'interface' ? heritageOf(rest) : [], signatures: new Map() };
      const list = kind === 'function' ? parenthesised(rest, rest.indexOf('(')) : undefined;
      if (list !== undefined) open.signatures.set(name, parameters(list));
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
    if (!member) continue;
    open.members.set(member[1], (open.members.get(member[1]) ?? true) && member[2] === '?');
    // A method or constructor: `name(`, or `name<T>(`, right after the name.
    const call = /^(?:\?)?(?:<[^(]*>)?\(/.exec(text.slice(member[0].length));
    const list = call ? parenthesised(text, member[0].length + call[0].length - 1) : undefined;
    if (list !== undefined && !open.signatures.has(member[1])) open.signatures.set(member[1], parameters(list));
  }
  return surface;
}

/**
 * What `after` takes away from code written against `before`: a removed (or renamed)
 * export, a declaration of another kind, a base type or interface no longer extended or
 * implemented (or with other type arguments: every member it brought may be gone), a
 * removed (or renamed) member, an interface member made required (a props object that
 * omitted it no longer compiles), and a call that needs more arguments or accepts fewer.
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
    for (const base of was.heritage) {
      if (!is.heritage.includes(base)) changes.push(`${name} no longer extends or implements ${base}`);
    }
    for (const [member, wasOptional] of was.members) {
      const isOptional = is.members.get(member);
      if (isOptional === undefined) changes.push(`${name}.${member} is gone (removed or renamed)`);
      else if (was.kind === 'interface' && wasOptional && !isOptional) changes.push(`${name}.${member} became required`);
    }
    for (const [callable, previous] of was.signatures) {
      const now = is.signatures.get(callable);
      if (!now) continue;
      const label = callable === name ? name : `${name}.${callable}`;
      if (now.required > previous.required) changes.push(`${label} needs ${now.required} argument(s), was ${previous.required}`);
      if (now.accepted < previous.accepted) changes.push(`${label} accepts ${now.accepted} argument(s), was ${previous.accepted}`);
    }
  }
  return changes;
}
