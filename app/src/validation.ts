/**
 * Schema validation. Bodies are validated strictly (no type coercion, unknown fields
 * rejected rather than silently dropped); query strings and path params arrive as
 * strings, so they are coerced to the declared types.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const COMMON: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

export function createAjv(httpPart: 'body' | 'other'): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes: httpPart === 'body' ? false : true });
  addFormats(ajv, ['email', 'uuid', 'date-time']);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<object> {
  const bodyAjv = createAjv('body');
  const otherAjv = createAjv('other');
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : otherAjv).compile(schema);
}
