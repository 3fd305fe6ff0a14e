import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

/** The Powertools trio of one function: created once at module scope, handed to the code that logs, measures and calls AWS. */
export interface Instrumentation {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
}

/**
 * Powertools Metrics adds a `service` dimension to every metric by default. The alarms and
 * the dashboard read these metrics under exactly the dimension sets the functions have
 * always published (`{Stage}`, `{Stage, ClusterIdentifier}`, `{Stage, AddressFamily}`), and
 * CloudWatch treats another dimension set as another metric, so the default is dropped and
 * each caller names its dimensions. Single-metric documents (Powertools' `ColdStart`) keep
 * `service`: Powertools builds them from the default dimensions, and would otherwise
 * publish `service_undefined`.
 */
class ServiceMetrics extends Metrics {
  constructor(
    private readonly service: string,
    namespace: string,
    logger: Logger,
  ) {
    super({ serviceName: service, namespace, logger });
    this.clearDefaultDimensions();
  }

  override singleMetric(): Metrics {
    const single = super.singleMetric();
    single.setDefaultDimensions({ service: this.service });
    return single;
  }
}

export function createInstrumentation(serviceName: string, metricNamespace: string): Instrumentation {
  const logger = new Logger({ serviceName });
  return { logger, metrics: new ServiceMetrics(serviceName, metricNamespace, logger), tracer: new Tracer({ serviceName }) };
}

/** EventBridge's event id: the one value that ties a run to the event (and its retries) that started it. */
function eventIdOf(event: unknown): string | undefined {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * Wraps a handler the way Powertools' middleware would, without the middy dependency: the
 * Lambda context (request id, cold start) and a correlation id (the EventBridge event id,
 * else the request id) on every log line, a `ColdStart` metric, and a `## handler` X-Ray
 * subsegment annotated with the cold start and carrying any error. Metrics are flushed by
 * the code that records them, one document per dimension set, so nothing is flushed here.
 */
export function instrumentHandler<TEvent, TResult>(
  { logger, metrics, tracer }: Instrumentation,
  run: (event: TEvent) => Promise<TResult>,
): (event: TEvent, context: Context) => Promise<TResult> {
  return async (event, context) => {
    logger.addContext(context);
    logger.setCorrelationId(eventIdOf(event) ?? context.awsRequestId);
    metrics.captureColdStartMetric(context.functionName);
    const parent = tracer.getSegment();
    const subsegment = parent?.addNewSubsegment('## handler');
    if (parent && subsegment) {
      tracer.setSegment(subsegment);
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    }
    try {
      return await run(event);
    } catch (error) {
      logger.error('invocation failed', error as Error);
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (parent && subsegment) {
        subsegment.close();
        tracer.setSegment(parent);
      }
      logger.resetKeys();
    }
  };
}
