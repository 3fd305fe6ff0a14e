/**
 * Schema validation. Bodies are validated strictly (no type coercion, unknown fields
 * rejected rather than silently dropped); query strings and path params arrive as
 * strings, so they are coerced to the declared types.
 */
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import { UUID_PATTERN } from './routes/shared-schemas';

const UUID_REGEX = new RegExp(UUID_PATTERN);

const COMMON: Options = { allErrors: false, removeAdditional: false, useDefaults: true, strict: false };

export function createAjv(httpPart: 'body' | 'other'): Ajv {
  const ajv = new Ajv({ ...COMMON, coerceTypes: httpPart === 'body' ? false : true });
  addFormats(ajv, ['email', 'date-time']);
  // ajv-formats' uuid also admits "urn:uuid:..." prefixes, which PostgreSQL refuses
  // (22P02); ids are the canonical 8-4-4-4-12 hex text only.
  ajv.addFormat('uuid', UUID_REGEX);
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<object> {
  const bodyAjv = createAjv('body');
  const otherAjv = createAjv('other');
  return ({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : otherAjv).compile(schema);
}
