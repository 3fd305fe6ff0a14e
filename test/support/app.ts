import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';

/** The feature flags and defaults of cdk.json, which `cdk synth` applies and a bare App does not. */
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;

/** An App configured like the one `cdk synth` runs, so tests see the real synthesis behaviour. */
export function testApp(context: Record<string, unknown> = {}, props: Omit<AppProps, 'context'> = {}): App {
  return new App({ ...props, context: { ...CDK_JSON_CONTEXT, ...context } });
}
