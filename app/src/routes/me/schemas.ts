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

/** What DELETE /v1/me promises about backups: the deployment's bound when it is known. */
export function erasureDescription(backupBoundDays: number | undefined): string {
  const backups =
    backupBoundDays === undefined
      ? 'Backups and their cross-region copies keep the erased data until they expire; this deployment does not state its bound (see docs/privacy.md).'
      : `Backups and their cross-region copies keep the erased data until they expire: the caller is gone from every backup and copy ${backupBoundDays} days after erasure.`;
  return `The caller's account, e-mail address, token and notes are deleted at once. ${backups} After restoring a backup, the operators re-apply the erasures made since it was taken.`;
}

export function eraseSchema(backupBoundDays: number | undefined) {
  return {
    ...common,
    summary: 'Erase the caller and all their notes (GDPR right to erasure); the token stops working',
    description: erasureDescription(backupBoundDays),
    response: { 204: { type: 'null', description: `Erased. ${erasureDescription(backupBoundDays)}` }, ...problemResponses },
  };
}

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
