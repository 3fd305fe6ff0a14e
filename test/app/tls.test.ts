/**
 * Issue 11, item 7: with APP_TLS=self-signed the app serves HTTPS (TLS 1.2+) on its port
 * with a certificate made at start-up, over a real socket on 127.0.0.1; plain HTTP to
 * that port gets no answer.
 */
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config';
import { pgliteBackend, register, startApp } from './support';

const backend = pgliteBackend();
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  await backend.start();
  app = await startApp(backend.appOptions({ tls: { mode: 'self-signed', commonName: 'bulwark-app' } }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  await backend.stop();
});

interface HttpsAnswer {
  status: number;
  body: string;
  protocol: string | null;
  subject: string;
  validTo: string;
}

function fetchHttps(path: string, options: { method?: string; headers?: Record<string, string>; body?: string; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    // The ALB does not verify target certificates; neither does this client.
    const req = httpsRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, rejectUnauthorized: false, maxVersion: options.maxVersion }, (res) => {
      const socket = res.socket as TLSSocket;
      const certificate = socket.getPeerCertificate();
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body, protocol: socket.getProtocol(), subject: certificate.subject.CN as string, validTo: certificate.valid_to }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('APP_TLS=self-signed', () => {
  it('is read from the environment (default off, anything else refused)', () => {
    expect(loadConfig({}).tls).toEqual({ mode: 'off' });
    expect(loadConfig({ APP_TLS: 'self-signed' }).tls).toEqual({ mode: 'self-signed', commonName: 'bulwark-app' });
    expect(() => loadConfig({ APP_TLS: 'on' })).toThrow(/APP_TLS/);
  });

  it('serves the health check and the API over HTTPS with a generated certificate, TLS 1.3 and 1.2', async () => {
    const health = await fetchHttps('/healthz');
    expect(health).toMatchObject({ status: 200, protocol: 'TLSv1.3', subject: 'bulwark-app' });
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });
    expect(new Date(health.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 24 * 3_600_000);
    expect((await fetchHttps('/readyz', { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');

    const user = await register(app);
    const created = await fetchHttps('/v1/notes', {
      method: 'POST',
      headers: { authorization: user.auth.authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'over TLS', body: '' }),
    });
    expect(created.status).toBe(201);
  });

  it('plain HTTP to the TLS port gets no HTTP answer', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpGet({ host: '127.0.0.1', port, path: '/healthz', timeout: 5_000 }, (res) => resolve(`answered ${res.statusCode}`));
      req.on('error', () => resolve('refused'));
      req.on('timeout', () => {
        req.destroy();
        resolve('refused');
      });
    });
    expect(outcome).toBe('refused');
  });
});
