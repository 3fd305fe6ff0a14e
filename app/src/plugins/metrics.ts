/**
 * Business metrics as CloudWatch Embedded Metric Format. Counts are buffered and written
 * as one EMF line per flush interval (not one per event: at thousands of notes per
 * second a line per event would cost more in log ingestion than the metric is worth).
 * On ECS the line goes to stdout → awslogs → CloudWatch, which extracts the metrics.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const BUSINESS_METRICS = [
  'UsersRegistered',
  'NotesCreated',
  'DataExports',
  'UsersErased',
  'TokensRotated',
  // Operational, but counted the same way: a request refused because every pooled connection was busy.
  'DatabasePoolExhausted',
] as const;
export type BusinessMetric = (typeof BUSINESS_METRICS)[number];

export type MetricsSink = (line: string) => void;

export class BusinessMetrics {
  private counts = new Map<BusinessMetric, number>();

  constructor(
    private readonly namespace: string,
    private readonly stage: string,
    private readonly sink: MetricsSink,
    private readonly now: () => number = Date.now,
  ) {}

  count(metric: BusinessMetric, value = 1): void {
    this.counts.set(metric, (this.counts.get(metric) ?? 0) + value);
  }

  /** Writes one EMF document with every metric counted since the last flush. */
  flush(): void {
    if (this.counts.size === 0) return;
    const values = Object.fromEntries(this.counts);
    this.counts = new Map();
    const document = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          {
            Namespace: this.namespace,
            Dimensions: [['Stage']],
            Metrics: Object.keys(values).map((name) => ({ Name: name, Unit: 'Count' })),
          },
        ],
      },
      Stage: this.stage,
      ...values,
    };
    this.sink(JSON.stringify(document));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: BusinessMetrics;
  }
}

export interface MetricsPluginOptions {
  readonly namespace: string;
  readonly stage: string;
  readonly flushIntervalMs: number;
  /** @default - one line per flush on stdout */
  readonly sink?: MetricsSink;
}

async function metrics(app: FastifyInstance, options: MetricsPluginOptions): Promise<void> {
  const sink = options.sink ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const businessMetrics = new BusinessMetrics(options.namespace, options.stage, sink);
  const timer = setInterval(() => businessMetrics.flush(), options.flushIntervalMs);
  timer.unref();
  app.decorate('metrics', businessMetrics);
  app.addHook('onClose', async () => {
    clearInterval(timer);
    businessMetrics.flush();
  });
}

export default fp(metrics, { name: 'metrics' });
