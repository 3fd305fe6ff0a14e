/** Schema pieces several resources share. */

export const problemResponses = {
  '4xx': { $ref: 'Problem#' },
  '5xx': { $ref: 'Problem#' },
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

/**
 * PostgreSQL text cannot hold NUL, and a lone UTF-16 surrogate has no UTF-8 form (the
 * driver would silently store U+FFFD): reject both at the edge. ajv compiles patterns
 * with the `u` flag, where a surrogate range only matches unpaired surrogates.
 */
export const STORABLE_TEXT = '^[^\\u0000\\uD800-\\uDFFF]*$';

/** Canonical UUID text (8-4-4-4-12 hex digits), the only id form the API accepts. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/** An id in a path: the pattern makes the OpenAPI document say what the validator enforces. */
export const uuidParam = { type: 'string', format: 'uuid', pattern: UUID_PATTERN } as const;

export const noteSchema = {
  $id: 'Note',
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    title: { type: 'string' },
    body: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'title', 'body', 'createdAt', 'updatedAt'],
} as const;
