/**
 * Attacker's finding 4, against the app listening on 127.0.0.1 with a real PostgreSQL:
 * a client that trickles its request body is answered 408 and cut off once the request
 * timeout (REQUEST_TIMEOUT_MS) has passed, while a response that takes longer than that
 * to read (the GDPR export, bounded by its own deadline) is not: Node's requestTimeout
 * covers receiving the request only.
 */
import { request } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/src/config';
import { postgresBackend, register, startApp } from './support';

const REQUEST_TIMEOUT_MS = 500;

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listening(): Promise<number> {
  app = await startApp(backend.appOptions({ requestTimeoutMs: REQUEST_TIMEOUT_MS }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('request timeout', () => {
  it('answers a client that trickles its body 408 problem+json and closes the connection before the body is complete', async () => {
    const port = await listening();
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => undefined);
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    // One byte every 100 ms: the 100-byte body would take 10 s. Bounded: at most 80 bytes.
    let sent = 1;
    while (!socket.destroyed && !socket.readableEnded && sent < 80) {
      await pause(100);
      if (socket.writable) socket.write(' ');
      sent += 1;
    }
    const cutOff = socket.readableEnded || socket.destroyed;
    socket.destroy();
    expect(cutOff, `still open after ${sent} bytes`).toBe(true);
    expect(sent).toBeLessThan(80);
    expect(received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(received).toMatch(/\r\ncontent-type: application\/problem\+json/);
    expect(received).toMatch(/\r\nconnection: close\r\n/);
  });

  it('sets the timeout on the server, and the header timeout no longer than it', async () => {
    await listening();
    expect(app!.server.requestTimeout).toBe(REQUEST_TIMEOUT_MS);
    expect(app!.server.headersTimeout).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    // Keep-alive must outlive the ALB's 60 s idle timeout (else 502s on reused sockets).
    expect(app!.server.keepAliveTimeout).toBeGreaterThan(60_000);
  });

  it('does not cut off a response that takes longer than the timeout to read (a GDPR export)', async () => {
    const port = await listening();
    const user = await register(app!);
    // Far more than the socket buffers hold, so the response is still being sent while unread.
    await backend.query("INSERT INTO notes (user_id, title, body) SELECT $1, 'n', repeat('x', 10000) FROM generate_series(1, 3000)", [user.id]);
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request({ host: '127.0.0.1', port, path: '/v1/me/export', headers: user.auth }, resolve).on('error', reject).end();
    });
    expect(response.statusCode).toBe(200);
    response.pause();
    await pause(REQUEST_TIMEOUT_MS * 3);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    expect(JSON.parse(Buffer.concat(chunks).toString('utf8')).notes).toHaveLength(3000);
  });
});

describe('REQUEST_TIMEOUT_MS', () => {
  it('is 30 s by default, in milliseconds, between 1 s and 10 minutes', () => {
    expect(loadConfig({}).requestTimeoutMs).toBe(30_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '15000' }).requestTimeoutMs).toBe(15_000);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '999' })).toThrow(ConfigError);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '600001' })).toThrow(/REQUEST_TIMEOUT_MS/);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '30s' })).toThrow(/REQUEST_TIMEOUT_MS must be an integer/);
  });
});
