/**
 * The two baselines the app is measured against, each run as its own process:
 *   http        bare node:http hello world — the ceiling for one core
 *   fastify-pg  bare Fastify, one parameterized primary-key SELECT (GET /note/:id) or one
 *               INSERT (POST /note) through a pg pool — the floor cost of a round trip
 * Usage: tsx bench/app/baselines.ts http|fastify-pg  (PORT, DATABASE_URL, DB_POOL_SIZE)
 */
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 3100);
const mode = process.argv[2];

async function fastifyPg(): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DB_POOL_SIZE ?? 20) });
  const app = Fastify({ logger: false });
  app.get<{ Params: { id: string } }>('/note/:id', async (request, reply) => {
    const { rows } = await pool.query('SELECT id, title, body, created_at, updated_at FROM notes WHERE id = $1', [request.params.id]);
    return rows[0] ?? reply.code(404).send();
  });
  app.post<{ Body: { userId: string; title: string; body: string } }>('/note', async (request, reply) => {
    const { rows } = await pool.query('INSERT INTO notes (user_id, title, body) VALUES ($1, $2, $3) RETURNING id, title, body, created_at, updated_at', [
      request.body.userId,
      request.body.title,
      request.body.body,
    ]);
    return reply.code(201).send(rows[0]);
  });
  await app.listen({ port, host: '127.0.0.1' });
}

if (mode === 'http') {
  createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"hello":"world"}');
  }).listen(port, '127.0.0.1');
} else if (mode === 'fastify-pg') {
  void fastifyPg();
} else {
  console.error('usage: baselines.ts http|fastify-pg');
  process.exit(2);
}
