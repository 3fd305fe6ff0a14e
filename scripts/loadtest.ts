/** `npm run loadtest -- --stage prod --rate 10000 --duration 10m [--workers N] [--warm-up 2m] [--local] [--out dir]`: see docs/load-test.md. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { runLoadTestCommand } from '../loadtest/command';

runLoadTestCommand(process.argv.slice(2), {
  awsClients: (region) => ({
    cloudFormation: new CloudFormationClient({ region }),
    stepFunctions: new SFNClient({ region }),
    s3: new S3Client({ region }),
    cloudWatch: new CloudWatchClient({ region }),
  }),
  log: (message) => console.error(`[loadtest] ${message}`),
}).then(
  ({ verdict }) => process.exit(verdict.pass ? 0 : 2),
  (error: Error) => {
    console.error(`loadtest: ${error.message}`);
    process.exit(1);
  },
);
