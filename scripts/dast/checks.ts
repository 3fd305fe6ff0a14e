/**
 * The OWASP checks a contract fuzzer does not make, run against a deployed stage over
 * HTTP(S): security headers, TLS policy, the :80 redirect, CORS, and error bodies that leak
 * internals. Each check returns findings (empty = pass); none changes any data.
 */
import * as tls from 'node:tls';

export interface CheckResult {
  readonly name: string;
  /** `skipped` when the target cannot be judged (e.g. TLS checks against plain HTTP). */
  readonly status: 'passed' | 'failed' | 'skipped';
  readonly findings: readonly string[];
}

/** Response headers every API response must carry (helmet's, app/src/plugins/security-headers.ts). */
const REQUIRED_HEADERS: Readonly<Record<string, RegExp>> = {
  'x-content-type-options': /^nosniff$/i,
  'content-security-policy': /default-src 'none'|frame-ancestors 'none'/,
  'x-frame-options': /^(DENY|SAMEORIGIN)$/i,
  'referrer-policy': /no-referrer/,
};
/** Headers that tell an attacker what runs behind the load balancer. */
const FINGERPRINT_HEADERS = ['x-powered-by', 'server-timing', 'x-aspnet-version'];
/** Text that only internals put into a response body. */
const LEAK_PATTERNS: readonly RegExp[] = [/\bat .+\(.+:\d+:\d+\)/, /node_modules/, /\b(syntax error at or near|relation ".+" does not exist)\b/i, /\bECONNREFUSED\b/, /"stack"\s*:/];

function result(name: string, findings: string[]): CheckResult {
  return { name, status: findings.length === 0 ? 'passed' : 'failed', findings };
}

export function checkSecurityHeaders(headers: Headers, https: boolean): CheckResult {
  const findings: string[] = [];
  for (const [name, pattern] of Object.entries(REQUIRED_HEADERS)) {
    const value = headers.get(name);
    if (value === null) findings.push(`missing ${name}`);
    else if (!pattern.test(value)) findings.push(`${name} is "${value}", expected ${pattern}`);
  }
  if (https) {
    const hsts = headers.get('strict-transport-security') ?? '';
    const maxAge = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
    if (maxAge < 31_536_000) findings.push(`strict-transport-security max-age below one year ("${hsts}")`);
  }
  for (const name of FINGERPRINT_HEADERS) if (headers.has(name)) findings.push(`fingerprinting header ${name}: ${headers.get(name)}`);
  const server = headers.get('server');
  if (server && /\d/.test(server)) findings.push(`server header names a version: ${server}`);
  return result('security headers', findings);
}

export function checkCors(headers: Headers, hostileOrigin: string): CheckResult {
  const allowed = headers.get('access-control-allow-origin');
  const findings: string[] = [];
  if (allowed === '*' && headers.get('access-control-allow-credentials') === 'true') findings.push('any origin allowed with credentials');
  if (allowed === hostileOrigin) findings.push(`a foreign origin is reflected: ${hostileOrigin}`);
  return result('CORS', findings);
}

export function checkErrorBody(status: number, body: string): CheckResult {
  const findings: string[] = [];
  for (const pattern of LEAK_PATTERNS) if (pattern.test(body)) findings.push(`status ${status} body matches ${pattern}`);
  return result('error leakage', findings);
}

/** Whether the endpoint completes a handshake capped at `maxVersion` (it must not, below TLS 1.2). */
export function handshake(host: string, port: number, maxVersion: tls.SecureVersion): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername: host, maxVersion, minVersion: 'TLSv1', rejectUnauthorized: false, timeout: 10_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

export async function checkTlsPolicy(target: URL): Promise<CheckResult> {
  if (target.protocol !== 'https:') return { name: 'TLS policy', status: 'skipped', findings: ['target is plain HTTP'] };
  const port = Number(target.port || 443);
  const findings: string[] = [];
  for (const legacy of ['TLSv1', 'TLSv1.1'] as const) {
    if (await handshake(target.hostname, port, legacy)) findings.push(`accepts ${legacy}`);
  }
  if (!(await handshake(target.hostname, port, 'TLSv1.3')) && !(await handshake(target.hostname, port, 'TLSv1.2'))) findings.push('no TLS 1.2 or 1.3 handshake');
  return result('TLS policy', findings);
}

export async function checkRedirect(target: URL): Promise<CheckResult> {
  if (target.protocol !== 'https:') return { name: 'HTTP to HTTPS redirect', status: 'skipped', findings: ['target is plain HTTP'] };
  const plain = new URL(target.href);
  plain.protocol = 'http:';
  plain.port = '';
  const response = await fetch(plain, { redirect: 'manual' });
  const location = response.headers.get('location') ?? '';
  const findings = response.status === 301 && location.startsWith(`https://${target.hostname}`) ? [] : [`http:// answered ${response.status} to "${location}", expected 301 to https://${target.hostname}`];
  return result('HTTP to HTTPS redirect', findings);
}

/** Runs every probe against `base` (the stage's URL): read-only requests only. */
export async function runHttpChecks(base: URL): Promise<CheckResult[]> {
  const hostileOrigin = 'https://attacker.example';
  const health = await fetch(new URL('/v1/notes', base), { headers: { origin: hostileOrigin } });
  const preflight = await fetch(new URL('/v1/notes', base), { method: 'OPTIONS', headers: { origin: hostileOrigin, 'access-control-request-method': 'POST' } });
  const malformed = await fetch(new URL('/v1/users', base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email": ' });
  const unknown = await fetch(new URL('/v1/%00%ff', base));
  const errors = await Promise.all([malformed, unknown].map(async (r) => checkErrorBody(r.status, await r.text())));
  return [
    checkSecurityHeaders(health.headers, base.protocol === 'https:'),
    checkCors(health.headers, hostileOrigin),
    { ...checkCors(preflight.headers, hostileOrigin), name: 'CORS preflight' },
    { name: 'error leakage', status: errors.some((e) => e.status === 'failed') ? 'failed' : 'passed', findings: errors.flatMap((e) => e.findings) },
    await checkTlsPolicy(base),
    await checkRedirect(base),
  ];
}
