import { CURSOR_PATTERN } from '../../cursor';
import { bearerSecurity, STORABLE_TEXT, problemResponses, uuidParam } from '../shared-schemas';

export const TITLE_MAX = 200;
export const BODY_MAX = 10_000;
export const PAGE_MAX = 100;
export const PAGE_DEFAULT = 20;

const title = { type: 'string', minLength: 1, maxLength: TITLE_MAX, pattern: STORABLE_TEXT } as const;
const body = { type: 'string', maxLength: BODY_MAX, pattern: STORABLE_TEXT } as const;
const noteParams = {
  type: 'object',
  additionalProperties: false,
  properties: { id: uuidParam },
  required: ['id'],
} as const;
const common = { tags: ['notes'], security: bearerSecurity } as const;

export const createNoteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { title, body },
  required: ['title', 'body'],
} as const;

export const updateNoteBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { title, body },
} as const;

export const listNotesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: PAGE_MAX, default: PAGE_DEFAULT },
    cursor: { type: 'string', pattern: CURSOR_PATTERN, description: 'nextCursor of the previous page' },
  },
} as const;

export const createNoteSchema = {
  ...common,
  summary: 'Create a note',
  body: createNoteBody,
  response: { 201: { $ref: 'Note#' }, ...problemResponses },
};

export const listNotesSchema = {
  ...common,
  summary: "List the caller's notes, newest first (keyset pagination)",
  querystring: listNotesQuery,
  response: {
    200: {
      type: 'object',
      properties: {
        items: { type: 'array', items: { $ref: 'Note#' } },
        nextCursor: { type: 'string', pattern: CURSOR_PATTERN, nullable: true },
      },
      required: ['items', 'nextCursor'],
    },
    ...problemResponses,
  },
};

export const getNoteSchema = {
  ...common,
  summary: 'Read a note',
  params: noteParams,
  response: { 200: { $ref: 'Note#' }, ...problemResponses },
};

export const updateNoteSchema = {
  ...common,
  summary: "Change a note's title and/or body",
  params: noteParams,
  body: updateNoteBody,
  response: { 200: { $ref: 'Note#' }, ...problemResponses },
};

export const deleteNoteSchema = {
  ...common,
  summary: 'Delete a note',
  params: noteParams,
  response: { 204: { type: 'null', description: 'Deleted' }, ...problemResponses },
};
