import { createSocket, type Socket } from 'node:dgram';
import { Readable } from 'node:stream';
import { DescribeDBClusterSnapshotsCommand } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createRdsClient } from '../../../lambda/snapshot-copier/rds-client';
import { captureOutput } from '../support/captured-output';
import { lambdaContext } from '../support/lambda-context';

/**
 * The handler wrapper's tracing, as X-Ray sees it: the X-Ray SDK in Lambda mode (the
 * environment Lambda sets, read when the SDK loads) streams each closed subsegment over UDP
 * to the daemon address, here a socket on 127.0.0.1.
 */
interface Subsegment {
  readonly id: string;
  /** Set on a subsegment streamed on its own (Lambda streams each as it closes). */
  readonly parent_id?: string;
  readonly name: string;
  readonly annotations?: Record<string, unknown>;
  readonly fault?: boolean;
  readonly error?: boolean;
  readonly cause?: { exceptions?: { message: string }[] };
  readonly aws?: { operation?: string };
}

let daemon: Socket;
const received: Subsegment[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (message) => received.push(JSON.parse(message.toString().split('\n')[1]) as Subsegment));
  await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
  const environment = {
    LAMBDA_TASK_ROOT: '/var/task',
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: 'traced',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
    AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
  };
  for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  daemon.close();
});

async function handlerSubsegment(): Promise<Subsegment> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = received.find((segment) => segment.name === '## handler');
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no "## handler" subsegment among ${JSON.stringify(received.map((segment) => segment.name))}`);
}

it('records a "## handler" subsegment with the cold start, the service, the SDK calls and the error', async () => {
  vi.resetModules();
  const { createInstrumentation, instrumentHandler } = await import('../../../lambda/shared/instrumentation');
  const instrumentation = createInstrumentation('traced-service', 'Test/Namespace');
  const emptyListing = '<DescribeDBClusterSnapshotsResponse><DescribeDBClusterSnapshotsResult><DBClusterSnapshots/></DescribeDBClusterSnapshotsResult></DescribeDBClusterSnapshotsResponse>';
  const rds = instrumentation.tracer.captureAWSv3Client(
    createRdsClient('eu-west-1', {
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      requestHandler: { handle: async () => ({ response: { statusCode: 200, headers: {}, body: Readable.from([Buffer.from(emptyListing)]) } }) },
    }),
  );
  const handler = instrumentHandler(instrumentation, async () => {
    await rds.send(new DescribeDBClusterSnapshotsCommand({}));
    throw new Error('the run failed');
  });
  captureOutput();

  await expect(handler({ id: 'event-1' }, lambdaContext('traced', 'request-1'))).rejects.toThrow('the run failed');

  const segment = await handlerSubsegment();
  expect(segment.annotations).toEqual({ ColdStart: true, Service: 'traced-service' });
  expect(segment.cause?.exceptions?.[0].message).toBe('the run failed');
  const calls = received.filter((call) => call.parent_id === segment.id);
  expect(calls.map((call) => [call.name, call.aws?.operation])).toEqual([['RDS', 'DescribeDBClusterSnapshots']]);
});
