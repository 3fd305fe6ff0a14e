import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { BUNDLES_DIRECTORY, LAMBDAS } from '../../lambda/bundles';
import { BundledFunction, lambdaBundle } from '../../lib/constructs/internal/bundled-function';
import { testApp } from '../support/app';

const ROOT = path.join(__dirname, '..', '..');

describe.each(LAMBDAS)('the %s function', (name) => {
  it('deploys the prebuilt bundle the package ships (no esbuild or Docker at synthesis)', () => {
    const app = testApp();
    const stack = new Stack(app, 'Test', { env: { account: '123456789012', region: 'eu-west-1' } });
    new BundledFunction(stack, 'Fn', { code: lambdaBundle(name), description: name, environment: {}, logRetention: logs.RetentionDays.ONE_WEEK });
    const assembly = app.synth();
    const [fn] = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'));
    expect(fn.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    // The asset CDK staged for the function's code is the bundle directory, file for file.
    const manifest = JSON.parse(readFileSync(path.join(assembly.directory, 'Test.assets.json'), 'utf8')) as { files: Record<string, { source: { path: string } }> };
    const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    const staged = path.join(assembly.directory, manifest.files[hash].source.path);
    const bundle = path.join(ROOT, BUNDLES_DIRECTORY, name);
    expect(readdirSync(staged).sort()).toEqual(['THIRD-PARTY-NOTICES.md', 'index.js', 'index.js.map']);
    expect(readFileSync(path.join(staged, 'index.js'))).toEqual(readFileSync(path.join(bundle, 'index.js')));
  });
});
