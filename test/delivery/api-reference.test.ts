import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app/src/app';
import { testConfig } from '../../app/src/config';
import { createPgliteDatabase, type Database } from '../../app/src/db/database';

const DOCS = join(__dirname, '..', '..', 'docs');
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

interface OpenApiDocument {
  readonly paths: Record<string, Record<string, { summary?: string; security?: unknown[] }>>;
}

let app: FastifyInstance;
let database: Database;
let openapi: OpenApiDocument;

/** "GET /v1/notes/{id}" for every operation of the document the app serves. */
function operations(document: OpenApiDocument): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => METHODS.includes(method))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

beforeAll(async () => {
  database = await createPgliteDatabase({ warn: () => undefined, info: () => undefined });
  app = await buildApp({ config: testConfig(), database, logger: false });
  const response = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(response.statusCode).toBe(200);
  openapi = response.json();
});

afterAll(async () => {
  await app?.close();
  await database?.close();
});

describe('docs/api-reference.md against the OpenAPI document the app serves', () => {
  const reference = readFileSync(join(DOCS, 'api-reference.md'), 'utf8');
  const documented = [...reference.matchAll(/^### `(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`$/gm)].map((match) => `${match[1]} ${match[2]}`);

  it('documents every operation of /openapi.json under its own heading', () => {
    expect(operations(openapi).length).toBeGreaterThan(5);
    for (const operation of operations(openapi)) expect(documented, `${operation} is not in docs/api-reference.md`).toContain(operation);
  });

  it('documents no operation the app does not have', () => {
    expect(documented.filter((operation) => !operations(openapi).includes(operation))).toEqual([]);
  });

  it('documents every path of /openapi.json', () => {
    for (const path of Object.keys(openapi.paths)) expect(reference).toContain(path);
  });
});

describe('docs/user-guide.md', () => {
  const guide = readFileSync(join(DOCS, 'user-guide.md'), 'utf8');

  it('calls only operations the app has', () => {
    const calls = guide
      .split('\n')
      .filter((line) => /\bcurl\b/.test(line) && line.includes('"$API'))
      .map((line) => {
        const path = /"\$API(\/[^"?\s]*)/.exec(line)![1].replace(/\$[A-Z_]+/g, '{id}');
        const method = /-X (GET|POST|PATCH|PUT|DELETE)\b/.exec(line)?.[1] ?? (/\s(-d|--data)\s/.test(line) ? 'POST' : 'GET');
        return `${method} ${path}`;
      });
    expect(calls.length).toBeGreaterThan(5);
    const known = [...operations(openapi), 'GET /openapi.json', 'GET /docs'];
    expect(calls.filter((call) => !known.includes(call))).toEqual([]);
  });
});
