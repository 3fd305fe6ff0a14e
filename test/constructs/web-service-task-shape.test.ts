/**
 * The app task WebService runs: its platform, init process, logs, database wiring, the
 * default image and the liveness probe that image gets. Each test builds its own stack
 * (no beforeAll), so a mutant in web-service/task.ts is scored against the test that runs
 * it (see docs/testing.md, "static mutants"). The liveness probe is not only read but run,
 * against a local server answering as the app would.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it, vi } from 'vitest';
import { selfSignedCertificate } from '../../app/src/tls';
import type { WebService, WebServiceProps } from '../../lib/constructs/web-service';
import { testApp } from '../support/app';
import { freshModuleEachTest } from '../support/fresh-module';

// The installed package has no app/: let one test hide app/Dockerfile from the construct.
const fsControl = vi.hoisted(() => ({ hideAppDockerfile: false }));
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const existsSync: typeof actual.existsSync = (file) =>
    !(fsControl.hideAppDockerfile && String(file).endsWith(path.join('app', 'Dockerfile'))) && actual.existsSync(file);
  return { ...actual, existsSync, default: { ...actual, existsSync } };
});

// Loaded in each test, so the default image's directory and the secret's field table (set
// when the module loads) are part of what each test pins.
const web = freshModuleEachTest(() => import('../../lib/constructs/web-service'));

const ENV = { account: '123456789012', region: 'eu-west-1' };
const DATABASE_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
const REGISTRY_IMAGE = ecs.ContainerImage.fromRegistry('public.ecr.aws/docker/library/node:20-slim');

/** A WebService in stack "Test" whose database secret and key live in stack "Network", as in the app. */
function build(props: Partial<WebServiceProps> = {}) {
  const app = testApp();
  const network = new Stack(app, 'Network', { env: ENV });
  const stack = new Stack(app, 'Test', { env: ENV });
  const vpc = new ec2.Vpc(network, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 1 });
  const databaseSecret = secretsmanager.Secret.fromSecretAttributes(network, 'DbSecret', {
    secretCompleteArn: DATABASE_SECRET_ARN,
    encryptionKey: new kms.Key(network, 'DatabaseKey'),
  });
  const webService = new (web().WebService)(stack, 'Web', {
    vpc,
    stage: 'test',
    domainName: 'api.example.com',
    hostedZone: route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z123456ABCDEFG', zoneName: 'example.com' }),
    image: REGISTRY_IMAGE,
    databaseSecret,
    ...props,
  });
  return { app, stack, webService };
}

/** The task definition's properties and its app container, as CloudFormation gets them. */
function appTask(stack: Stack, webService: WebService) {
  const template = Template.fromStack(stack);
  const task = template.findResources('AWS::ECS::TaskDefinition')[stack.getLogicalId(webService.taskDefinition.node.defaultChild as CfnElement)];
  const containers: Array<Record<string, any>> = task.Properties.ContainerDefinitions;
  const container = containers.find((candidate) => candidate.Name === 'App');
  if (!container) throw new Error('no App container');
  return { template, task: task.Properties as Record<string, any>, container };
}

describe('the app task', () => {
  it('runs on ARM64 Linux, the platform the default image is built for', () => {
    const { stack, webService } = build();
    expect(appTask(stack, webService).task.RuntimePlatform).toEqual({ CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' });
  });

  it('starts a tiny init as PID 1 (forwards SIGTERM, reaps zombies) and drops every capability', () => {
    const { stack, webService } = build();
    expect(appTask(stack, webService).container.LinuxParameters).toEqual({ InitProcessEnabled: true, Capabilities: { Drop: ['ALL'] } });
  });

  it('logs under the "app" stream prefix to its log group, encrypted by a key whose description says what it is for', () => {
    const { stack, webService } = build();
    const { template, container } = appTask(stack, webService);
    const logGroupId = stack.getLogicalId(webService.logGroup.node.defaultChild as CfnElement);
    expect(container.LogConfiguration).toMatchObject({
      LogDriver: 'awslogs',
      Options: { 'awslogs-group': { Ref: logGroupId }, 'awslogs-stream-prefix': 'app' },
    });
    // An operator meets this key in the KMS console; the description is all it says about itself.
    const [keyId] = template.findResources('AWS::Logs::LogGroup')[logGroupId].Properties.KmsKeyId['Fn::GetAtt'];
    expect(template.findResources('AWS::KMS::Key')[keyId].Properties.Description).toBe('Encrypts the web service container logs');
  });
});

describe('the database secret of another stack', () => {
  it('is referenced in the service under DatabaseSecretReference (and its key under DatabaseSecretKeyReference)', () => {
    const { stack, webService } = build();
    const reference = webService.node.tryFindChild('DatabaseSecretReference') as secretsmanager.ISecret | undefined;
    expect(reference?.node.path).toBe('Test/Web/DatabaseSecretReference');
    expect(stack.resolve(reference?.secretArn)).toBe(DATABASE_SECRET_ARN);
    expect(webService.node.tryFindChild('DatabaseSecretKeyReference')).toBeDefined();
  });

  it('has each connection field passed to the app from its JSON key (the keys RDS writes into a cluster secret)', () => {
    const { stack, webService } = build();
    const secrets: Array<{ Name: string; ValueFrom: unknown }> = appTask(stack, webService).container.Secrets;
    const fields = Object.fromEntries(secrets.filter((secret) => secret.Name.startsWith('DB_')).map((secret) => [secret.Name, stack.resolve(secret.ValueFrom)]));
    expect(fields).toEqual({
      DB_HOST: `${DATABASE_SECRET_ARN}:host::`,
      DB_PORT: `${DATABASE_SECRET_ARN}:port::`,
      DB_USERNAME: `${DATABASE_SECRET_ARN}:username::`,
      DB_PASSWORD: `${DATABASE_SECRET_ARN}:password::`,
      DB_NAME: `${DATABASE_SECRET_ARN}:dbname::`,
    });
  });

  it('has its ARN passed to the app as DB_SECRET_ARN, so it can re-read the password after a rotation', () => {
    const { stack, webService } = build();
    const environment: Array<{ Name: string; Value: unknown }> = appTask(stack, webService).container.Environment;
    expect(environment.find((variable) => variable.Name === 'DB_SECRET_ARN')?.Value).toBe(DATABASE_SECRET_ARN);
  });
});

describe('the default image', () => {
  it("is built from this repository's app/ directory", () => {
    expect(web().APP_DIRECTORY).toBe(path.resolve(__dirname, '..', '..', 'app'));
  });

  it("is this repository's app/, built for linux/arm64", () => {
    const { app, stack } = build({ image: undefined });
    const assembly = app.synth();
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    const images = Object.values(manifest.dockerImages) as Array<{ source: { platform?: string } }>;
    expect(images.map((image) => image.source.platform)).toEqual(['linux/arm64']);
  });

  it('is refused, naming the `image` prop, where app/Dockerfile is missing (the installed package)', () => {
    fsControl.hideAppDockerfile = true;
    try {
      expect(() => build({ image: undefined })).toThrow(/^WebService: pass `image` .*the default image is the Bulwark repository's own app/);
    } finally {
      fsControl.hideAppDockerfile = false;
    }
  });
});

/** The `node -e` program of the container health check, or undefined when there is none. */
function livenessScript(props: Partial<WebServiceProps>): string | undefined {
  const { stack, webService } = build(props);
  const healthCheck = appTask(stack, webService).container.HealthCheck;
  if (!healthCheck) return undefined;
  const [cmd, node, flag, script] = healthCheck.Command as string[];
  expect([cmd, node, flag]).toEqual(['CMD', 'node', '-e']);
  return script;
}

/** Runs the probe as the container would, bounded well past its own 2 s timeout; resolves to its exit code. */
function runProbe(script: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore', timeout: 10_000 });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}

/** A stand-in for the app on 127.0.0.1 that answers every request with `status.code` (or never, when null). */
async function fakeApp(tls?: https.ServerOptions) {
  const status: { code: number | null } = { code: 200 };
  const paths: string[] = [];
  const handler: http.RequestListener = (request, response) => {
    paths.push(request.url ?? '');
    if (status.code === null) return; // hangs, like a stuck event loop
    response.statusCode = status.code;
    response.end();
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
  return { port: (server.address() as AddressInfo).port, status, paths, close };
}

describe('the container health check', () => {
  it('is left out for an image of your own: nothing is known about the tools inside it', () => {
    expect(livenessScript({ image: REGISTRY_IMAGE })).toBeUndefined();
  });

  it('of the default image asks livenessPath over HTTP and passes on 200 only, failing on an error status, no answer or no server', async () => {
    const server = await fakeApp();
    try {
      const script = livenessScript({ image: undefined, containerPort: server.port, livenessPath: '/livez' });
      // The target group speaks HTTP (the default), so the app does too.
      expect(script).toMatch(/^require\('http'\)/);
      expect(await runProbe(script!)).toBe(0);
      expect(server.paths).toEqual(['/livez']);
      server.status.code = 500;
      expect(await runProbe(script!)).toBe(1);
      server.status.code = null;
      expect(await runProbe(script!)).toBe(1);
      await server.close();
      expect(await runProbe(script!)).toBe(1);
    } finally {
      await server.close();
    }
  });

  it("of the default image asks over HTTPS when the target protocol is HTTPS, accepting the app's self-signed certificate", async () => {
    // The very certificate the app generates for itself at start-up (APP_TLS=self-signed).
    const server = await fakeApp(await selfSignedCertificate('localhost'));
    try {
      const script = livenessScript({ image: undefined, containerPort: server.port, livenessPath: '/livez', targetProtocol: elbv2.ApplicationProtocol.HTTPS });
      expect(script).toMatch(/^require\('https'\)/);
      expect(await runProbe(script!)).toBe(0);
      server.status.code = 503;
      expect(await runProbe(script!)).toBe(1);
      expect(server.paths).toEqual(['/livez', '/livez']);
    } finally {
      await server.close();
    }
  });
});
