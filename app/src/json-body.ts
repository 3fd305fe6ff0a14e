/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), plus the
 * refusals that keep a client's text from changing silently on its way to the database:
 *  - a charset other than UTF-8 (415): the body would be decoded as UTF-8 anyway;
 *  - bytes that are not UTF-8 (400), CESU-8 surrogates (`ED A0 80`) included: decoding
 *    them leniently would store U+FFFD in their place;
 *  - a lone UTF-16 surrogate spelled as a JSON escape (`"\ud800"`, 400), which has no
 *    UTF-8 form: the driver would store U+FFFD. Refused here, for every field, rather than
 *    by a schema pattern (a surrogate range is a pattern many OpenAPI tools cannot read);
 *  - nesting deeper than the API's bodies ever need (400), refused before anything walks
 *    the value (the API's bodies are flat objects).
 * The walks below are iterative: a body of 60,000 nested arrays (128 KB) must not
 * overflow the stack.
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deepest nesting of arrays and objects a body may have; the API's bodies have 1. */
export const MAX_BODY_DEPTH = 32;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The array items or object values (keys are strings, checked separately) of a JSON value. */
function children(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) return Object.values(value);
  return [];
}

/** Whether arrays and objects nest deeper than `maxDepth` levels (a bare string or number is depth 0). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (typeof next.value !== 'object' || next.value === null) continue;
    const depth = next.depth + 1;
    if (depth > maxDepth) return true;
    for (const child of children(next.value)) pending.push({ value: child, depth });
  }
  return false;
}

/** Whether any string or object key in the value holds a lone UTF-16 surrogate. */
export function hasLoneSurrogate(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (typeof next === 'object' && next !== null) {
      if (!Array.isArray(next) && Object.keys(next).some((key) => LONE_SURROGATE.test(key))) return true;
      for (const child of children(next)) pending.push(child);
    }
  }
  return false;
}

/** The `charset` parameter of a Content-Type header, lower-cased and unquoted, if there is one. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  for (const parameter of (contentType ?? '').split(';').slice(1)) {
    const [name, value = ''] = parameter.split('=', 2).map((part) => part.trim());
    if (name.toLowerCase() === 'charset') return value.replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/** The body as text, or undefined when its bytes are not UTF-8. */
function decodeUtf8(body: Buffer): string | undefined {
  try {
    return UTF8.decode(body);
  } catch {
    return undefined;
  }
}

export function useStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = declaredCharset(request.headers['content-type']);
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return done(new HttpProblem(415, 'Send the request body as application/json in UTF-8 (charset=utf-8, or no charset).'));
    }
    const text = decodeUtf8(body as Buffer);
    if (text === undefined) return done(new HttpProblem(400, 'The request body is not valid UTF-8.'));
    parseJson(request, text, (error, value) => {
      if (error) return done(error);
      if (nestsDeeperThan(value, MAX_BODY_DEPTH)) return done(new HttpProblem(400, `The request body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels.`));
      if (hasLoneSurrogate(value)) return done(new HttpProblem(400, 'The request body holds text that is not valid Unicode (a lone surrogate).'));
      done(null, value);
    });
  });
}
