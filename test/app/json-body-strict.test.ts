/**
 * Attacker's findings 8 and 11 (json-body.ts), over real HTTP against the app on a real
 * PostgreSQL: a body whose bytes are not UTF-8, or that declares another charset, is
 * refused instead of being stored with U+FFFD in place of the client's text; a deeply
 * nested body gets a 400 that names the nesting, not a stack overflow turned into
 * "not valid JSON".
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasLoneSurrogate, MAX_BODY_DEPTH, nestsDeeperThan, declaredCharset } from '../../app/src/json-body';
import { expectProblem, postgresBackend, register, startApp, type TestUser } from './support';

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
let port = 0;
let user: TestUser;
beforeAll(async () => {
  app = await startApp(backend.appOptions());
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  user = await register(app);
});
afterAll(() => app?.close());
afterEach(async () => {
  await backend.query('DELETE FROM notes WHERE user_id = $1', [user.id]);
  await backend.query('UPDATE users SET note_count = 0 WHERE id = $1', [user.id]);
});

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** POST /v1/notes with these exact bytes, over a real socket. */
function postNote(body: Buffer, contentType = 'application/json'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/v1/notes', headers: { ...user.auth, 'content-type': contentType, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ statusCode: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const noteWithTitle = (...titleBytes: Buffer[]) => Buffer.concat([Buffer.from('{"title":"'), ...titleBytes, Buffer.from('","body":"x"}')]);
const storedNotes = async () => (await backend.query<{ n: string }>('SELECT count(*)::text AS n FROM notes WHERE user_id = $1', [user.id]))[0].n;

describe('body encoding', () => {
  it.each([
    ['invalid bytes (FF FE)', Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe])],
    ['a CESU-8 surrogate (ED A0 80)', Buffer.from([0xed, 0xa0, 0x80])],
    ['a truncated sequence (E2 82)', Buffer.from([0xe2, 0x82])],
    ['an overlong encoding (C0 AF)', Buffer.from([0xc0, 0xaf])],
  ])('refuses %s with 400 problem+json naming UTF-8, and stores nothing', async (_name, bytes) => {
    const problem = expectProblem(await postNote(noteWithTitle(bytes)), 400);
    expect(problem.detail).toBe('The request body is not valid UTF-8.');
    expect(await storedNotes()).toBe('0');
  });

  it.each(['iso-8859-1', 'ISO-8859-1', '"windows-1252"', 'utf-16'])('refuses a body declared as charset=%s with 415 problem+json naming the charset', async (charset) => {
    const problem = expectProblem(await postNote(noteWithTitle(Buffer.from([0x63, 0x61, 0x66, 0xe9])), `application/json; charset=${charset}`), 415);
    expect(problem.detail).toMatch(/UTF-8/);
    expect(await storedNotes()).toBe('0');
  });

  it.each(['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'application/json; charset="utf-8"'])(
    'stores valid UTF-8 (multi-byte and astral characters) unchanged as %s',
    async (contentType) => {
      const title = 'café ✓ 😀';
      const created = await postNote(noteWithTitle(Buffer.from(title, 'utf8')), contentType);
      expect(created.statusCode, created.body).toBe(201);
      expect(JSON.parse(created.body).title).toBe(title);
    },
  );
});

describe('nesting', () => {
  const nested = (depth: number) => `{"title":${'['.repeat(depth)}${']'.repeat(depth)},"body":"x"}`;

  it.each([MAX_BODY_DEPTH, 6_000, 60_000])('refuses a body nesting %i levels inside its object with 400 naming the nesting', async (depth) => {
    const problem = expectProblem(await postNote(Buffer.from(nested(depth))), 400);
    expect(problem.detail).toBe(`The request body nests arrays or objects deeper than ${MAX_BODY_DEPTH} levels.`);
  });

  it('passes a body within the depth limit on to the schema, which names the field', async () => {
    const problem = expectProblem(await postNote(Buffer.from(nested(MAX_BODY_DEPTH - 1))), 400);
    expect(problem.detail).toBe('body/title must be string');
  });

  it('walks values without recursion: 200,000 levels neither overflow the stack nor hide a lone surrogate', () => {
    let deep: unknown = '\ud800';
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { k: deep };
    expect(hasLoneSurrogate(deep)).toBe(true);
    expect(nestsDeeperThan(deep, MAX_BODY_DEPTH)).toBe(true);
    expect(nestsDeeperThan(deep, 200_000)).toBe(false);
  });

  it('counts depth as nested arrays and objects', () => {
    expect(nestsDeeperThan('x', 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({ a: 'x', b: [1, 2] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: 'x', b: [1, { c: 2 }] }, 2)).toBe(true);
    expect(hasLoneSurrogate({ ['\udc00key']: 'x' })).toBe(true);
    expect(hasLoneSurrogate({ a: ['😀', { b: 'ok' }] })).toBe(false);
  });
});

describe('declaredCharset', () => {
  it.each([
    [undefined, undefined],
    ['application/json', undefined],
    ['application/json; charset=UTF-8', 'utf-8'],
    ['application/json;charset="iso-8859-1"', 'iso-8859-1'],
    ['application/json; foo=bar; Charset = utf8', 'utf8'],
  ])('%s → %s', (header, charset) => {
    expect(declaredCharset(header)).toBe(charset);
  });
});
