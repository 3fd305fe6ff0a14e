import type { FastifyInstance } from 'fastify';
import { unauthorized } from '../../plugins/auth';
import { HttpProblem } from '../../problem';
import type { CallerResult } from '../../db/repository';
import { createNoteSchema, deleteNoteSchema, getNoteSchema, listNotesSchema, PAGE_DEFAULT, updateNoteSchema } from './schemas';

interface NoteParams {
  id: string;
}

const notFound = (): HttpProblem => new HttpProblem(404, 'No such note.');
/** Not sealed by this deployment, or issued to another user: the same answer, so it tells nothing. */
const invalidCursor = (): HttpProblem => new HttpProblem(400, 'The cursor is not valid.');

/** The value for a known caller; 401 for an unknown token; 404 when the value is empty. */
function found<T>(result: CallerResult<T | undefined>): T {
  if (!result.caller) throw unauthorized();
  if (result.value === undefined || result.value === false) throw notFound();
  return result.value;
}

export default async function notesRoutes(app: FastifyInstance, { notesPerUserMax }: { notesPerUserMax: number }): Promise<void> {
  const { repository, metrics } = app;
  const onRequest = [app.authenticate, app.userRateLimit];

  app.post<{ Body: { title: string; body: string } }>('/v1/notes', { onRequest, schema: createNoteSchema }, async (request, reply) => {
    const result = await repository.createNote(request.tokenHash!, request.body.title, request.body.body, notesPerUserMax);
    if (!result.caller) throw unauthorized();
    const note = result.value;
    if (!note) throw new HttpProblem(409, `You keep the most notes allowed (${notesPerUserMax}); delete some to create more.`);
    metrics.count('NotesCreated');
    return reply.code(201).header('location', `/v1/notes/${note.id}`).send(note);
  });

  app.get<{ Querystring: { limit?: number; cursor?: string } }>('/v1/notes', { onRequest, schema: listNotesSchema }, async (request) => {
    const limit = request.query.limit ?? PAGE_DEFAULT;
    const cursor = request.query.cursor === undefined ? undefined : app.cursors.decode(request.query.cursor);
    if (request.query.cursor !== undefined && cursor === undefined) throw invalidCursor();
    // One extra row tells whether another page exists without a second query.
    const result = await repository.listNotes(request.tokenHash!, limit + 1, cursor?.seq);
    if (!result.caller) throw unauthorized();
    const { callerId, notes } = result.value;
    // Issued to someone else: the page read at its position (the caller's own notes) is dropped.
    if (cursor && cursor.userId !== callerId.toLowerCase()) throw invalidCursor();
    const page = notes.slice(0, limit);
    const nextCursor = notes.length > limit ? app.cursors.encode({ seq: page[page.length - 1].seq, userId: callerId }) : null;
    return { items: page, nextCursor };
  });

  app.get<{ Params: NoteParams }>('/v1/notes/:id', { onRequest, schema: getNoteSchema }, async (request) =>
    found(await repository.getNote(request.tokenHash!, request.params.id)),
  );

  app.patch<{ Params: NoteParams; Body: { title?: string; body?: string } }>(
    '/v1/notes/:id',
    { onRequest, schema: updateNoteSchema },
    async (request) => found(await repository.updateNote(request.tokenHash!, request.params.id, request.body)),
  );

  app.delete<{ Params: NoteParams }>('/v1/notes/:id', { onRequest, schema: deleteNoteSchema }, async (request, reply) => {
    found(await repository.deleteNote(request.tokenHash!, request.params.id));
    return reply.code(204).send();
  });
}
