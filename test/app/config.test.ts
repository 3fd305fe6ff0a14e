import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../app/src/config';
import { tracingSettings } from '../../app/src/tracing';

describe('loadConfig', () => {
  it('defaults: port 3000, PGlite, one trusted hop, 20 s shutdown, Bulwark/Business namespace', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      database: { kind: 'pglite' },
      trustedProxyHops: 1,
      shutdownTimeoutMs: 20_000,
      metricsNamespace: 'Bulwark/Business',
    });
    expect(config.shutdownTimeoutMs).toBeLessThan(30_000);
    expect(config.rum).toBeUndefined();
  });

  it('logs every request unless REQUEST_LOG_SAMPLE_RATE says otherwise', () => {
    expect(loadConfig({}).requestLogSampleRate).toBe(1);
    expect(loadConfig({ REQUEST_LOG_SAMPLE_RATE: '0.01', SLOW_REQUEST_MS: '100' })).toMatchObject({ requestLogSampleRate: 0.01, slowRequestMs: 100 });
  });

  it('logs at most SLOW_REQUEST_LOGS_PER_SECOND slow requests a second (20 by default)', () => {
    expect(loadConfig({}).slowRequestLogsPerSecond).toBe(20);
    expect(loadConfig({ SLOW_REQUEST_LOGS_PER_SECOND: '500' }).slowRequestLogsPerSecond).toBe(500);
    expect(() => loadConfig({ SLOW_REQUEST_LOGS_PER_SECOND: '0' })).toThrow(/SLOW_REQUEST_LOGS_PER_SECOND/);
  });

  it('reads the ECS-injected secret fields; TLS is verified against the RDS CA bundle by default', () => {
    const config = loadConfig({ DB_HOST: 'db.cluster-x.eu-west-1.rds.amazonaws.com', DB_PORT: '5432', DB_USERNAME: 'app', DB_PASSWORD: 'pw', DB_NAME: 'bulwark', DB_POOL_SIZE: '15' });
    expect(config.database).toMatchObject({ kind: 'postgres', host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: 5432, user: 'app', password: 'pw', database: 'bulwark', poolSize: 15 });
    const ssl = (config.database as { ssl: { mode: string; ca?: string[] } }).ssl;
    expect(ssl.mode).toBe('verify');
    expect(ssl.ca!.length).toBeGreaterThan(10);
    expect(ssl.ca!.join('')).toContain('BEGIN CERTIFICATE');
  });

  it('DATABASE_URL wins; DB_SSL=disable turns TLS off explicitly; DB_CA_FILE must be readable', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', DB_SSL: 'disable' }).database).toMatchObject({ connectionString: 'postgres://u@h/db', ssl: { mode: 'disable' } });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db', DB_CA_FILE: '/nonexistent/ca.pem' })).toThrow(/DB_CA_FILE/);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ DB_SSL: 'prefer', DATABASE_URL: 'postgres://x' }, /DB_SSL/],
    [{ DB_HOST: 'h' }, /DB_USERNAME/],
    [{ RATE_LIMIT_PER_IP: '0' }, /RATE_LIMIT_PER_IP/],
    [{ SHUTDOWN_TIMEOUT_MS: '-5' }, /SHUTDOWN_TIMEOUT_MS/],
    [{ RUM_APP_MONITOR_ID: 'abc' }, /RUM_/],
    [{ REQUEST_LOG_SAMPLE_RATE: '1.5' }, /REQUEST_LOG_SAMPLE_RATE must be a number between 0 and 1/],
    [{ REQUEST_LOG_SAMPLE_RATE: 'some' }, /REQUEST_LOG_SAMPLE_RATE/],
    [{ SLOW_REQUEST_MS: '0' }, /SLOW_REQUEST_MS/],
  ])('rejects %o naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('tracingSettings', () => {
  it('is off without an endpoint or with OTEL_SDK_DISABLED=true', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
  });

  it('reads the collector endpoint and the sampling ratio', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/', TRACE_SAMPLE_RATE: '0.25' })).toEqual({
      endpoint: 'http://127.0.0.1:4318',
      sampleRate: 0.25,
      serviceName: 'bulwark-app',
    });
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', TRACE_SAMPLE_RATE: '2' })).toThrow(/TRACE_SAMPLE_RATE/);
  });
});
