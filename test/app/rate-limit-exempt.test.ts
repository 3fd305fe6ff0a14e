/**
 * The per-IP limit's exemption for the load test's NAT addresses, on a real PostgreSQL:
 * only the address the trusted proxy hop reports counts, so a client that writes an
 * exempt address into its own X-Forwarded-For is still limited, and an exempt address
 * still pays the per-token limit.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/src/config';
import { expectProblem, postgresBackend, register, startApp } from './support';

/** A NAT gateway's Elastic IP, as the ALB appends it to X-Forwarded-For. */
const NAT_ADDRESS = '203.0.113.10';
const OTHER_CLIENT = '198.51.100.20';
/** The socket peer: the load balancer's address inside the VPC. */
const LOAD_BALANCER = '10.0.1.17';

const backend = postgresBackend();
beforeAll(() => backend.start(), 120_000);
afterAll(() => backend.stop());

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

const fromClient = (forwardedFor: string) => ({ remoteAddress: LOAD_BALANCER, headers: { 'x-forwarded-for': forwardedFor } });

describe('per-IP rate limit with exempt addresses', () => {
  it('never limits an exempt address per IP, while another client is limited at the same limit', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 2, rateLimitPerIpExempt: [NAT_ADDRESS], trustedProxyHops: 1 }));
    for (let i = 0; i < 6; i++) expect((await app.inject({ url: '/', ...fromClient(NAT_ADDRESS) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', ...fromClient(OTHER_CLIENT) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', ...fromClient(OTHER_CLIENT) })).statusCode).toBe(200);
    expectProblem(await app.inject({ url: '/', ...fromClient(OTHER_CLIENT) }), 429);
  });

  it('limits a client that forges an exempt address into X-Forwarded-For: the ALB appends the real one last', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 2, rateLimitPerIpExempt: [NAT_ADDRESS], trustedProxyHops: 1 }));
    const forged = fromClient(`${NAT_ADDRESS}, ${OTHER_CLIENT}`);
    expect((await app.inject({ url: '/', ...forged })).statusCode).toBe(200);
    expect((await app.inject({ url: '/', ...forged })).statusCode).toBe(200);
    expectProblem(await app.inject({ url: '/', ...forged }), 429);
  });

  it('still limits an exempt address per token', async () => {
    app = await startApp(backend.appOptions({ rateLimitPerIp: 1_000, rateLimitPerUser: 2, rateLimitPerIpExempt: [NAT_ADDRESS], trustedProxyHops: 1 }));
    const user = await register(app);
    const asWorker = { url: '/v1/notes', remoteAddress: LOAD_BALANCER, headers: { 'x-forwarded-for': NAT_ADDRESS, ...user.auth } };
    expect((await app.inject(asWorker)).statusCode).toBe(200);
    expect((await app.inject(asWorker)).statusCode).toBe(200);
    expectProblem(await app.inject(asWorker), 429);
  });
});

describe('RATE_LIMIT_PER_IP_EXEMPT', () => {
  it('is a comma-separated list of addresses, empty by default', () => {
    expect(loadConfig({}).rateLimitPerIpExempt).toEqual([]);
    expect(loadConfig({ RATE_LIMIT_PER_IP_EXEMPT: ' 203.0.113.10 , 203.0.113.11,' }).rateLimitPerIpExempt).toEqual(['203.0.113.10', '203.0.113.11']);
  });

  it('rejects anything that is not a single address, naming the variable and the entry', () => {
    expect(() => loadConfig({ RATE_LIMIT_PER_IP_EXEMPT: '203.0.113.10,203.0.113.0/24' })).toThrow(ConfigError);
    expect(() => loadConfig({ RATE_LIMIT_PER_IP_EXEMPT: '203.0.113.10,203.0.113.0/24' })).toThrow(/RATE_LIMIT_PER_IP_EXEMPT .*"203\.0\.113\.0\/24"/);
  });
});
