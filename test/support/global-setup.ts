import { buildLambdas } from '../../scripts/build-lambdas';

/**
 * Once per test run: the Lambda bundles every stack deploys (dist/lambda-bundles), built
 * as `npm run build:lib` builds them for the package, so the tests synthesize what ships.
 */
export default async function setup(): Promise<void> {
  await buildLambdas();
}
