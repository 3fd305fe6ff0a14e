/**
 * The DAST run (scripts/dast.ts) proven against the app on a throwaway PostgreSQL over real
 * HTTP on 127.0.0.1 (TLS and redirect probes skip on plain HTTP; their logic is tested on
 * crafted responses below), and each probe shown to fail on a response that deserves it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCors, checkErrorBody, checkSecurityHeaders } from '../../scripts/dast/checks';
import { parseDastArgs, runDast } from '../../scripts/dast';
import { postgresBackend, startApp } from './support';

describe('DAST against the app on PostgreSQL', () => {
  const backend = postgresBackend();
  let app: FastifyInstance;
  let baseUrl: string;
  const outDir = mkdtempSync(join(tmpdir(), 'bulwark-dast-test-'));

  beforeAll(async () => {
    await backend.start();
    app = await startApp(backend.appOptions({ rateLimitPerIp: 10_000_000, rateLimitPerUser: 10_000_000 }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await backend.stop();
    rmSync(outDir, { recursive: true, force: true });
  });

  it('passes every probe and the throttled contract fuzz, and writes its report', { timeout: 240_000 }, async () => {
    const { passed, results } = await runDast(parseDastArgs([baseUrl, '--out', outDir, '--rate-limit', '50/s', '--max-examples', '5']));
    expect(results.filter((r) => r.status === 'failed'), JSON.stringify(results)).toEqual([]);
    expect(passed).toBe(true);
    expect(results.map((r) => [r.name, r.status])).toEqual(
      expect.arrayContaining([
        ['security headers', 'passed'],
        ['error leakage', 'passed'],
        ['TLS policy', 'skipped'],
        ['schemathesis (OpenAPI contract fuzz)', 'passed'],
      ]),
    );
    const report = JSON.parse(readFileSync(join(outDir, 'dast-report.json'), 'utf8'));
    expect(report).toMatchObject({ target: `${baseUrl}/`, rateLimit: '50/s', passed: true });
    expect(readFileSync(join(outDir, 'schemathesis-junit.xml'), 'utf8')).toMatch(/<testsuite/);
    // The fuzz reached the API, not just the document: note creation ran under the hooks' user.
    expect(readFileSync(join(outDir, 'schemathesis.log'), 'utf8')).toMatch(/POST \/v1\/notes/);
  });
});

describe('DAST probes fail when they should', () => {
  it('flags missing or weak security headers and fingerprinting', () => {
    const result = checkSecurityHeaders(new Headers({ 'x-powered-by': 'Express', 'x-content-type-options': 'nosniff', 'strict-transport-security': 'max-age=60' }), true);
    expect(result.status).toBe('failed');
    expect(result.findings).toEqual(expect.arrayContaining(['missing content-security-policy', 'fingerprinting header x-powered-by: Express', expect.stringMatching(/max-age below one year/)]));
  });

  it('flags a reflected foreign origin and a credentialed wildcard', () => {
    expect(checkCors(new Headers({ 'access-control-allow-origin': 'https://attacker.example' }), 'https://attacker.example').status).toBe('failed');
    expect(checkCors(new Headers({ 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }), 'https://attacker.example').status).toBe('failed');
    expect(checkCors(new Headers(), 'https://attacker.example').status).toBe('passed');
  });

  it('flags stack traces and SQL errors in a body', () => {
    expect(checkErrorBody(500, '{"stack":"Error: x\\n    at handler (/app/server.js:10:5)"}').findings).toHaveLength(2);
    expect(checkErrorBody(500, 'syntax error at or near "FROM"').status).toBe('failed');
    expect(checkErrorBody(400, '{"type":"about:blank","title":"Bad Request","status":400}').status).toBe('passed');
  });

  it('refuses a target that is not an http(s) URL and a malformed rate limit', () => {
    expect(() => parseDastArgs(['ftp://example.com'])).toThrow(/BASE_URL must be http/);
    expect(() => parseDastArgs(['not a url'])).toThrow(/BASE_URL must be an absolute/);
    expect(() => parseDastArgs(['https://api.example.com', '--rate-limit', 'fast'])).toThrow(/--rate-limit must look like/);
  });
});
