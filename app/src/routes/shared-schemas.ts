/** Schema pieces several resources share. */

export const problemResponses = {
  '4xx': { $ref: 'Problem#' },
  '5xx': { $ref: 'Problem#' },
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];

/** PostgreSQL text cannot hold NUL; reject it at the edge rather than fail in the driver. */
export const NO_NUL = '^[^\\u0000]*$';

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
