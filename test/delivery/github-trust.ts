import { Match } from 'aws-cdk-lib/assertions';

/** The GitHub OIDC provider the stack creates (CiDeploy's `Provider`), by reference. */
const CREATED_PROVIDER = { Ref: Match.stringLikeRegexp('Provider[0-9A-F]{8}$') };

/**
 * The trust policy a GitHub deploy role must have: GitHub's OIDC tokens from `provider`
 * (the one the stack creates unless given), for STS, with exactly `subject`.
 */
export function githubTrustPolicy(subject: string, provider: unknown = CREATED_PROVIDER) {
  return {
    AssumeRolePolicyDocument: {
      Statement: [
        {
          Action: 'sts:AssumeRoleWithWebIdentity',
          Effect: 'Allow',
          Principal: { Federated: provider },
          Condition: {
            StringEquals: {
              'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
              'token.actions.githubusercontent.com:sub': subject,
            },
          },
        },
      ],
    },
  };
}
