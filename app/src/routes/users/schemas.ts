import { problemResponses, STORABLE_TEXT } from '../shared-schemas';

export const EMAIL_MAX = 254;

export const createUserBody = {
  type: 'object',
  additionalProperties: false,
  properties: { email: { type: 'string', format: 'email', maxLength: EMAIL_MAX, pattern: STORABLE_TEXT } },
  required: ['email'],
} as const;

export const createUserSchema = {
  tags: ['users'],
  summary: 'Register; the bearer token in the response is shown only this once',
  body: createUserBody,
  response: {
    201: {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        email: { type: 'string' },
        token: { type: 'string', description: 'Bearer token; store it, it cannot be shown again' },
        createdAt: { type: 'string', format: 'date-time' },
      },
      required: ['id', 'email', 'token', 'createdAt'],
    },
    ...problemResponses,
  },
};
