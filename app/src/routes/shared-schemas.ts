/** Schema pieces several resources share. */

/** Every error is RFC 9457 problem details, and the document says so (not application/json). */
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } } }) as const;

export const problemResponses = {
  '4xx': problem('Client error (problem details)'),
  '5xx': problem('Server error or temporarily unavailable (problem details)'),
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

/** PostgreSQL text cannot hold NUL; reject it at the edge rather than fail in the driver (lone surrogates: json-body.ts). */
export const STORABLE_TEXT = '^[^\\u0000]*$';

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
