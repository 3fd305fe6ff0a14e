/**
 * The JSON body parser: Fastify's own (prototype-poisoning checks included), plus one
 * refusal. JSON may spell a lone UTF-16 surrogate (`"\ud800"`), which has no UTF-8 form:
 * the driver would store U+FFFD in its place and the client's text would change silently.
 * Refused here, for every field, rather than by a schema pattern (a surrogate range is
 * a pattern many OpenAPI tools cannot read).
 */
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from './problem';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (typeof value === 'object' && value !== null) return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(item));
  return false;
}

export function useStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error) return done(error);
      if (hasLoneSurrogate(value)) return done(new HttpProblem(400, 'The request body holds text that is not valid Unicode (a lone surrogate).'));
      done(null, value);
    });
  });
}
