import { bearerSecurity, problemResponses } from '../shared-schemas';

const common = { tags: ['me'], security: bearerSecurity } as const;

export const exportSchema = {
  ...common,
  summary: 'Everything stored about the caller (GDPR right of access)',
  response: {
    200: {
      type: 'object',
      properties: {
        user: {
          type: 'object',
          properties: {
            id: { type: 'string', format: 'uuid' },
            email: { type: 'string' },
            createdAt: { type: 'string', format: 'date-time' },
          },
          required: ['id', 'email', 'createdAt'],
        },
        notes: { type: 'array', items: { $ref: 'Note#' } },
      },
      required: ['user', 'notes'],
    },
    ...problemResponses,
  },
};

export const eraseSchema = {
  ...common,
  summary: 'Erase the caller and all their notes (GDPR right to erasure); the token stops working',
  response: { 204: { type: 'null', description: 'Erased' }, ...problemResponses },
};

export const rotateTokenSchema = {
  ...common,
  summary: 'Replace the bearer token: the new one is shown only this once, the old one stops working at once',
  response: {
    201: {
      type: 'object',
      properties: { token: { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$', description: 'The new bearer token; store it, it cannot be shown again' } },
      required: ['token'],
    },
    ...problemResponses,
  },
};
