/**
 * OpenTelemetry tracing, loaded before anything else (server.ts imports it first; in the
 * bundle `pg` and the OpenTelemetry packages stay external so the require hooks can
 * patch them). Spans go over OTLP/HTTP to the ADOT collector sidecar, which forwards
 * them to X-Ray: hence X-Ray trace ids and the X-Ray propagator (the ALB sends
 * X-Amzn-Trace-Id), with W3C tracecontext accepted too.
 *
 * Off when OTEL_SDK_DISABLED=true or OTEL_EXPORTER_OTLP_ENDPOINT is unset (tests, local).
 */
import type { NodeSDK } from '@opentelemetry/sdk-node';

type Env = Record<string, string | undefined>;

export interface TracingSettings {
  readonly endpoint: string;
  readonly sampleRate: number;
  readonly serviceName: string;
}

/** The tracing settings from the environment, or undefined when tracing is off. */
export function tracingSettings(env: Env = process.env): TracingSettings | undefined {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return undefined;
  const rate = env.TRACE_SAMPLE_RATE === undefined || env.TRACE_SAMPLE_RATE === '' ? 0.05 : Number(env.TRACE_SAMPLE_RATE);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1) throw new Error(`TRACE_SAMPLE_RATE must be between 0 and 1, got "${env.TRACE_SAMPLE_RATE}"`);
  return { endpoint: endpoint.replace(/\/+$/, ''), sampleRate: rate, serviceName: env.OTEL_SERVICE_NAME || 'bulwark-app' };
}

const UNTRACED_PATHS = new Set(['/healthz', '/readyz']);

export function startTracing(env: Env = process.env): NodeSDK | undefined {
  const settings = tracingSettings(env);
  if (!settings) return undefined;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { AWSXRayIdGenerator } = require('@opentelemetry/id-generator-aws-xray') as typeof import('@opentelemetry/id-generator-aws-xray');
  const { AWSXRayPropagator } = require('@opentelemetry/propagator-aws-xray') as typeof import('@opentelemetry/propagator-aws-xray');
  const { CompositePropagator, W3CTraceContextPropagator } = require('@opentelemetry/core') as typeof import('@opentelemetry/core');
  const { ParentBasedSampler, TraceIdRatioBasedSampler } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces` }),
    idGenerator: new AWSXRayIdGenerator(),
    textMapPropagator: new CompositePropagator({ propagators: [new AWSXRayPropagator(), new W3CTraceContextPropagator()] }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.sampleRate) }),
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0]) }),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}

export const tracing = startTracing();
